import type { Classification, QualityBreakdown } from '../../core/research.js';
import { contentTerms } from '../classify/text.js';
import { requiredSectionsFor } from '../prompts/research-prompt.js';
import { AUDIENCE_GUIDANCE, RESEARCH_TEMPLATES } from '../prompts/research-templates.js';
import { analyseAnswer, type AnswerAnatomy } from './answer-anatomy.js';
import {
  contradictions,
  countEvidence,
  detectRefusal,
  detectTruncation,
  evidenceScore,
  extractStances,
  hedgeDensity,
} from './detectors.js';
import { keyTerms, termCoverage } from './relevance.js';
import { missingSections } from './sections.js';

export const QUALITY_DIMENSIONS = [
  'relevance',
  'completeness',
  'structure',
  'actionability',
  'evidence',
  'length',
  'refusal',
  'hedging',
  'consistency',
  'truncation',
] as const;
/** Each scores 0–1 where 1 is best (so `refusal: 1` means "did not refuse"). */
export type QualityDimension = (typeof QUALITY_DIMENSIONS)[number];

/** Default weights; they sum to 1. Custom weights are renormalised, so any scale works. */
export const DEFAULT_QUALITY_WEIGHTS: Readonly<Record<QualityDimension, number>> = {
  relevance: 0.2,
  completeness: 0.15,
  structure: 0.1,
  actionability: 0.15,
  evidence: 0.1,
  length: 0.05,
  refusal: 0.1,
  hedging: 0.05,
  consistency: 0.05,
  truncation: 0.05,
};

/**
 * Ceilings on the composite for failures no amount of polish makes up for, chosen below the
 * pipeline's default `quality_threshold` (0.8) so such answers are retried elsewhere.
 */
export const QUALITY_CAPS = {
  refusal: 0.3,
  off_topic: 0.45,
  truncated: 0.5,
  no_code_block: 0.6,
  self_contradiction: 0.7,
  heavy_hedging: 0.7,
  missing_sections: 0.75,
} as const;

/** Share of key query terms an answer must mention before it counts as on topic. */
const OFF_TOPIC_COVERAGE = 0.25;
/** Coverage at which relevance scores 1. */
const FULL_COVERAGE = 0.6;
const HEAVY_HEDGE_DENSITY = 0.4;

export interface QualityInput {
  query: string;
  answer: string;
  classification: Classification;
  /** The provider's finish reason; `length` means the answer was cut off. */
  finishReason?: string;
}

export interface QualityOptions {
  weights?: Partial<Record<QualityDimension, number>>;
}

/**
 * Scores an answer 0–1 with a per-dimension breakdown and a list of issues. Pure, synchronous,
 * and linear in the answer length (one pass to parse, a few regex scans of the prose).
 */
export function evaluateQuality(input: QualityInput, options: QualityOptions = {}): QualityBreakdown {
  const type = input.classification.researchType.value;
  const template = RESEARCH_TEMPLATES[type];
  const anatomy = analyseAnswer(input.answer);
  const issues: string[] = [];
  const caps: number[] = [];

  // Relevance: key query terms covered by the answer (prose and code).
  const answerTerms = new Set(contentTerms(`${anatomy.prose}\n${anatomy.code}`));
  const queryTerms = keyTerms(input.query);
  const coverage = termCoverage(queryTerms, answerTerms);
  const relevance = Math.min(1, coverage / FULL_COVERAGE);
  if (queryTerms.length >= 2 && coverage < OFF_TOPIC_COVERAGE) {
    issues.push('off_topic');
    caps.push(QUALITY_CAPS.off_topic);
  }

  // Completeness against the type's required sections.
  const required = requiredSectionsFor(type);
  const missing = missingSections(anatomy.headings, required);
  for (const section of missing) issues.push(`missing_section:${section}`);
  const completeness = required.length === 0 ? 1 : (required.length - missing.length) / required.length;
  if (completeness < 0.5) caps.push(QUALITY_CAPS.missing_sections);

  const structure = structureScore(anatomy);
  if (anatomy.headings.length === 0 && anatomy.listItems === 0 && anatomy.tableRows === 0 && anatomy.words > 80) {
    issues.push('no_structure');
  }

  // Actionability: code where the type needs it, balanced fences.
  let actionability = actionabilityScore(anatomy, template.code);
  if (template.code === 'required' && anatomy.codeBlocks.length === 0) {
    issues.push('no_code_block');
    caps.push(QUALITY_CAPS.no_code_block);
  }
  if (anatomy.unclosedFence) {
    issues.push('unbalanced_code_fence');
    actionability *= 0.5;
  }

  const evidence = evidenceScore(countEvidence(anatomy.prose));
  if (evidence === 0) issues.push('no_evidence');

  const length = lengthScore(anatomy.words, template.words, AUDIENCE_GUIDANCE[input.classification.audience.value].tokenFactor, issues);

  const refusalKind = detectRefusal(anatomy, input.answer, required.length - missing.length);
  const refusal = refusalKind === 'refusal' ? 0 : refusalKind === 'disclaimer' ? 0.7 : 1;
  if (refusalKind === 'refusal') {
    issues.push('refusal');
    caps.push(QUALITY_CAPS.refusal);
  } else if (refusalKind === 'disclaimer') {
    issues.push('ai_disclaimer');
  }

  const { density } = hedgeDensity(anatomy.prose);
  const hedging = clamp01(1 - Math.max(0, density - 0.1) / (HEAVY_HEDGE_DENSITY - 0.1));
  if (density >= HEAVY_HEDGE_DENSITY) {
    issues.push('heavy_hedging');
    caps.push(QUALITY_CAPS.heavy_hedging);
  }

  const contradicted = contradictions(extractStances(anatomy.prose));
  const consistency = contradicted.length === 0 ? 1 : 0;
  if (contradicted.length > 0) {
    issues.push('self_contradiction');
    caps.push(QUALITY_CAPS.self_contradiction);
  }

  const truncationReasons = detectTruncation(anatomy, input.finishReason);
  const truncation = truncationReasons.length === 0 ? 1 : 0;
  if (truncationReasons.length > 0) {
    issues.push('truncated');
    caps.push(QUALITY_CAPS.truncated);
  }

  const dimensions: Record<QualityDimension, number> = {
    relevance,
    completeness,
    structure,
    actionability,
    evidence,
    length,
    refusal,
    hedging,
    consistency,
    truncation,
  };
  const weights = { ...DEFAULT_QUALITY_WEIGHTS, ...options.weights };
  let weighted = 0;
  let totalWeight = 0;
  for (const dimension of QUALITY_DIMENSIONS) {
    const weight = Math.max(0, weights[dimension] ?? 0);
    weighted += weight * dimensions[dimension];
    totalWeight += weight;
  }
  let composite = totalWeight === 0 ? 0 : weighted / totalWeight;
  for (const cap of caps) composite = Math.min(composite, cap);
  return { composite: round(composite), dimensions: roundAll(dimensions), issues };
}

function structureScore(anatomy: AnswerAnatomy): number {
  const headings = anatomy.headings.length >= 2 ? 1 : anatomy.headings.length === 1 ? 0.5 : 0;
  const lists = anatomy.listItems + anatomy.tableRows > 0 ? 1 : anatomy.codeBlocks.length > 0 ? 0.75 : 0.5;
  const longest = anatomy.longestParagraphWords;
  const wall = longest > 220 ? 0.2 : longest > 140 ? 0.6 : 1;
  return 0.5 * headings + 0.25 * lists + 0.25 * wall;
}

function actionabilityScore(anatomy: AnswerAnatomy, code: 'required' | 'expected' | 'optional'): number {
  const blocks = anatomy.codeBlocks.filter((block) => block.lineCount > 0);
  if (blocks.length > 0) return blocks.some((block) => block.language !== '') ? 1 : 0.9;
  const steps = anatomy.numberedItems >= 2 || anatomy.inlineCode >= 2;
  switch (code) {
    case 'required':
      return steps ? 0.3 : 0;
    case 'expected':
      return steps ? 0.8 : 0.5;
    case 'optional':
      return steps || anatomy.listItems > 0 ? 1 : 0.8;
  }
}

function lengthScore(words: number, range: { min: number; max: number }, factor: number, issues: string[]): number {
  const min = range.min * factor;
  const max = range.max * factor;
  if (words < min) {
    if (words < min / 2) issues.push('too_short');
    return words / min;
  }
  if (words > max) {
    if (words > max * 1.5) issues.push('too_long');
    return max / words;
  }
  return 1;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function roundAll(values: Record<QualityDimension, number>): Record<string, number> {
  const rounded: Record<string, number> = {};
  for (const [key, value] of Object.entries(values)) rounded[key] = round(value);
  return rounded;
}
