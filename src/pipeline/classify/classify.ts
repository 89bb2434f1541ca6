import { LRUCache } from 'lru-cache';
import {
  AUDIENCES,
  DOMAINS,
  RESEARCH_TYPES,
  URGENCIES,
  type Classification,
  type Dimension,
  type ResearchType,
} from '../../core/research.js';
import type { ClassifierModel, DimensionModel, DimensionName } from './classifier-model.js';
import { AUDIENCE_RULES, INTERMEDIATE_PRIOR } from './audience-rules.js';
import { softmax } from './calibration.js';
import { DOMAIN_LEXICON, DOMAIN_RULES, GENERAL_DOMAIN_PRIOR } from './domain-lexicon.js';
import { extractFeatures, withTypeFeature, type QueryFeatures } from './features.js';
import { CLASSIFIER_MODEL } from './model.generated.js';
import { compileNaiveBayes, naiveBayesLogPosterior, type CompiledNaiveBayes } from './naive-bayes.js';
import { STOPWORDS } from './text.js';
import { applyLexicon, applyRules, type FiredRule } from './rule.js';
import { RESEARCH_TYPE_RULES } from './type-rules.js';
import { URGENCY_RULES } from './urgency-rules.js';

export const DIMENSION_LABELS = {
  researchType: RESEARCH_TYPES,
  audience: AUDIENCES,
  domain: DOMAINS,
  urgency: URGENCIES,
} as const satisfies Record<DimensionName, readonly string[]>;

export interface ClassifyOptions {
  /** Explicit research type (`--type`): reported with confidence 1 and signal `explicit`. */
  type?: ResearchType;
}

export interface RuleEvidence {
  scores: number[];
  fired: FiredRule[];
}

/** Hand-written rule scores for one dimension, aligned with `DIMENSION_LABELS[dimension]`. */
export function ruleEvidence(dimension: DimensionName, features: QueryFeatures): RuleEvidence {
  const fired: FiredRule[] = [];
  switch (dimension) {
    case 'researchType': {
      const scores = new Array<number>(RESEARCH_TYPES.length).fill(0);
      applyRules(RESEARCH_TYPE_RULES, RESEARCH_TYPES, features.lower, features.original, scores, fired);
      return { scores, fired };
    }
    case 'audience': {
      const scores = AUDIENCES.map((label) => (label === 'intermediate' ? INTERMEDIATE_PRIOR : 0));
      applyRules(AUDIENCE_RULES, AUDIENCES, features.lower, features.original, scores, fired);
      return { scores, fired };
    }
    case 'domain': {
      const scores = DOMAINS.map((label) => (label === 'general' ? GENERAL_DOMAIN_PRIOR : 0));
      applyLexicon(DOMAIN_LEXICON, DOMAINS, features.lexiconTerms, scores, fired);
      applyRules(DOMAIN_RULES, DOMAINS, features.lower, features.original, scores, fired);
      return { scores, fired };
    }
    case 'urgency': {
      const scores = new Array<number>(URGENCIES.length).fill(0);
      applyRules(URGENCY_RULES, URGENCIES, features.lower, features.original, scores, fired);
      return { scores, fired };
    }
  }
}

/** Rule scores plus the weighted naive Bayes log posterior: the logits the softmax sees. */
export function combineLogits(ruleScores: readonly number[], logPosterior: readonly number[], nbWeight: number): number[] {
  return ruleScores.map((score, index) => score + nbWeight * (logPosterior[index] ?? 0));
}

/** Features the trained model sees for a dimension (audience and urgency also see the type). */
export function learnedFeatures(dimension: DimensionName, features: QueryFeatures, type: ResearchType): string[] {
  return dimension === 'audience' || dimension === 'urgency' ? withTypeFeature(features.learned, type) : features.learned;
}

const MAX_RULE_SIGNALS = 4;
const MAX_INFERRED_CONFIDENCE = 0.999;
const MAX_LEARNED_SIGNALS = 2;

/** A dimension model ready for scoring. */
interface CompiledDimension {
  nb: CompiledNaiveBayes;
  nbWeight: number;
  temperature: number;
}

function compileDimension(model: DimensionModel): CompiledDimension {
  return { nb: compileNaiveBayes(model.nb), nbWeight: model.nbWeight, temperature: model.temperature };
}

function decide<T extends string>(
  labels: readonly T[],
  evidence: RuleEvidence,
  model: CompiledDimension,
  learned: readonly string[],
): Dimension<T> {
  const logPosterior = model.nbWeight === 0 ? labels.map(() => 0) : naiveBayesLogPosterior(model.nb, learned);
  const probabilities = softmax(combineLogits(evidence.scores, logPosterior, model.nbWeight), model.temperature);
  let winner = 0;
  for (let i = 1; i < probabilities.length; i++) if ((probabilities[i] ?? 0) > (probabilities[winner] ?? 0)) winner = i;
  return {
    value: labels[winner] as T,
    // Never report certainty from evidence: 1 is reserved for an explicit `--type`.
    confidence: Math.min(MAX_INFERRED_CONFIDENCE, Math.round((probabilities[winner] ?? 0) * 1000) / 1000),
    signals: explain(winner, evidence.fired, model, learned),
  };
}

/** The rules that voted for the winner, strongest first, then the learned terms that favoured it. */
function explain(winner: number, fired: readonly FiredRule[], model: CompiledDimension, learned: readonly string[]): string[] {
  const signals: string[] = [];
  const forWinner = fired.filter((rule) => rule.labelIndex === winner).sort((a, b) => b.weight - a.weight);
  for (const rule of forWinner) {
    if (signals.length >= MAX_RULE_SIGNALS) break;
    if (!signals.includes(rule.name)) signals.push(rule.name);
  }
  if (model.nbWeight > 0) {
    const contributions: { feature: string; margin: number }[] = [];
    for (const feature of learned) {
      const row = model.nb.table.get(feature);
      if (row === undefined || !isExplanatory(feature)) continue;
      let other = -Infinity;
      for (let l = 0; l < row.length; l++) if (l !== winner && (row[l] ?? -Infinity) > other) other = row[l] ?? -Infinity;
      const margin = (row[winner] ?? -Infinity) - other;
      if (margin > 0.5) contributions.push({ feature, margin });
    }
    contributions.sort((a, b) => b.margin - a.margin);
    for (const { feature } of contributions.slice(0, MAX_LEARNED_SIGNALS)) signals.push(`learned:"${feature}"`);
  }
  if (signals.length === 0) signals.push('default');
  return signals;
}

/** Learned features worth showing a person: not a lone stopword or number. */
function isExplanatory(feature: string): boolean {
  if (feature.startsWith('type:') || feature.includes(' ')) return true;
  const token = feature.startsWith('^') ? feature.slice(1) : feature;
  return token.length > 1 && !STOPWORDS.has(token) && !/^\d+$/.test(token);
}

export interface CreateClassifierOptions {
  /** Trained tables; defaults to the shipped `model.generated.ts`. */
  model?: ClassifierModel;
}

/** Builds a classifier over a trained model. Pure and synchronous. */
export function createClassifier(options: CreateClassifierOptions = {}) {
  const source = options.model ?? CLASSIFIER_MODEL;
  const model = {
    researchType: compileDimension(source.researchType),
    audience: compileDimension(source.audience),
    domain: compileDimension(source.domain),
    urgency: compileDimension(source.urgency),
  };
  return function classifyQuery(query: string, classifyOptions: ClassifyOptions = {}): Classification {
    const features = extractFeatures(query);
    const researchType: Dimension<ResearchType> =
      classifyOptions.type === undefined
        ? decide(RESEARCH_TYPES, ruleEvidence('researchType', features), model.researchType, features.learned)
        : { value: classifyOptions.type, confidence: 1, signals: ['explicit'] };
    const type = researchType.value;
    return {
      researchType,
      audience: decide(AUDIENCES, ruleEvidence('audience', features), model.audience, learnedFeatures('audience', features, type)),
      domain: decide(DOMAINS, ruleEvidence('domain', features), model.domain, features.learned),
      urgency: decide(URGENCIES, ruleEvidence('urgency', features), model.urgency, learnedFeatures('urgency', features, type)),
    };
  };
}

/**
 * Classifies a research query along four dimensions with calibrated confidences and the signals
 * that decided each. Never throws: an unrecognisable query gets the most likely labels with low
 * confidence and the signal `default`.
 */
export const classify: (query: string, options?: ClassifyOptions) => Classification = createClassifier();

/**
 * `classify` with the answers to recent questions remembered: classification is pure, and a
 * repeated question (a cached one above all) should not pay for it again. An explicit type is
 * not memoised (it is cheap and rare).
 */
export function createMemoisedClassifier(max = 10_000): (query: string, options?: ClassifyOptions) => Classification {
  const memo = new LRUCache<string, Classification>({ max });
  return (query, options) => {
    if (options?.type) return classify(query, options);
    let classification = memo.get(query);
    if (!classification) {
      classification = classify(query);
      memo.set(query, classification);
    }
    return classification;
  };
}
