/**
 * What the verifier compares between a query and a cached question, extracted once per text:
 * negations, numbers and versions, named entities, ordered term positions, content terms and
 * specific interrogatives. Cached questions keep their features, so a lookup extracts only the
 * query's.
 */

import { porterStem } from '../text/porter-stemmer.js';
import { analyseText, type Token } from '../text/text-analysis.js';
import { canonicalTechName, entityKey, GENERIC_TECH_NOUNS, isTechName } from '../text/tech-names.js';
import { MODAL_GROUPS, NEGATION_CUES, PRONOUN_GROUPS, SPECIFIC_INTERROGATIVES, WEAK_WRITTEN_NUMBERS } from '../text/word-lists.js';

export type EntityStrength = 'strong' | 'medium' | 'weak';

export interface EntityMention {
  /** Display form, e.g. `PyTorch`. */
  readonly surface: string;
  /** `entityKey` of the surface. */
  readonly key: string;
  readonly strength: EntityStrength;
}

export interface NumberMention {
  readonly surface: string;
  /** Canonical number text, e.g. `2`, `50000`, `3.11`. */
  readonly value: string;
  /** Written word such as "one" or "first" that often is not a quantity. */
  readonly weak: boolean;
  /** The thing versioned (`python`, `v`, `version`) when the number reads as a version. */
  readonly versionOf?: string;
}

export interface QuestionFeatures {
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly negations: readonly string[];
  readonly numbers: readonly NumberMention[];
  readonly entities: readonly EntityMention[];
  /** Every way the text can spell a name: token keys, joined neighbours, canonical tech names, terms. */
  readonly nameKeys: ReadonlySet<string>;
  /** Content term → weight (max over occurrences). */
  readonly terms: ReadonlyMap<string, number>;
  /** Content term → lowercase surface (first occurrence), for fuzzy matching and reasons. */
  readonly termSurfaces: ReadonlyMap<string, string>;
  /** Stem → occurrences over every token, for antonym checks. */
  readonly stemCounts: ReadonlyMap<string, number>;
  /** Canonical entity key → mentions. */
  readonly entityCounts: ReadonlyMap<string, number>;
  /** Content terms in the scope of a negation (the first content word after the cue). */
  readonly negatedTerms: ReadonlySet<string>;
  /** Content terms that occur outside any negation scope. */
  readonly plainTerms: ReadonlySet<string>;
  readonly interrogatives: ReadonlySet<string>;
  /** Who acts in a question opening "how/why/what … do|can|should …": `speaker` (I, you, we, one) or the agent's term. */
  readonly agent?: string | undefined;
  /** Modal groups (`MODAL_GROUPS`) the text uses. */
  readonly modals: ReadonlySet<string>;
  /** Pronoun referents (`PRONOUN_GROUPS`), plus `speaker` for an object "you" ("What has changed you?"). */
  readonly pronouns: ReadonlySet<string>;
  /** Ends with "?" or opens like a question ("how", "can I", "is there" …). */
  readonly isQuestion: boolean;
}

/** Tokens after a negation cue within which its first content word is negated. */
const NEGATION_SCOPE = 3;
const VERSION_WORDS = new Set(['version', 'versions', 'release', 'v', 'ver', 'release', 'edition']);
const VERSION_TOKEN = /^v(\d+(?:\.\d+)*)$/i;
const NAME_WITH_VERSION = /^([a-z]+?)(\d+(?:\.\d+)*)$/;

function entityStrength(token: Token, key: string): EntityStrength {
  if (GENERIC_TECH_NOUNS.has(key) || GENERIC_TECH_NOUNS.has(canonicalTechName(key) ?? '')) return 'weak';
  const surface = token.surface;
  const capitalisedOnly = /^\p{Lu}\p{Ll}+$/u.test(surface) && !isTechName(key);
  return capitalisedOnly ? 'medium' : 'strong';
}

/** Extracts the verifier's view of one text. */
export function extractFeatures(text: string): QuestionFeatures {
  const tokens = analyseText(text);
  const negations: string[] = [];
  const numbers: NumberMention[] = [];
  const entities: EntityMention[] = [];
  const nameKeys = new Set<string>();
  const terms = new Map<string, number>();
  const termSurfaces = new Map<string, string>();
  const stemCounts = new Map<string, number>();
  const negatedTerms = new Set<string>();
  const plainTerms = new Set<string>();
  let negationPending = 0;
  const interrogatives = new Set<string>();
  const modals = new Set<string>();
  const pronouns = new Set<string>();

  tokens.forEach((token, index) => {
    const previous = index > 0 ? tokens[index - 1] : undefined;
    const stem = porterStem(token.lower);
    stemCounts.set(stem, (stemCounts.get(stem) ?? 0) + 1);
    if (NEGATION_CUES.has(token.lower)) {
      negations.push(token.lower);
      // A sentence-initial "No, …" answers a question; it negates nothing after it.
      negationPending = token.lower === 'no' && token.sentenceStart ? 0 : NEGATION_SCOPE;
    } else if (negationPending > 0) {
      negationPending--;
    }
    if (!token.stopword && token.weight > 0 && token.kind !== 'number' && !NEGATION_CUES.has(token.lower)) {
      if (negationPending > 0 && index > 0) {
        negatedTerms.add(token.term);
        negationPending = 0;
      } else {
        plainTerms.add(token.term);
      }
    }
    const modal = MODAL_GROUPS.get(token.lower);
    if (modal !== undefined) modals.add(modal);
    const referent = PRONOUN_GROUPS.get(token.lower);
    if (referent !== undefined) pronouns.add(referent);
    // "you" after a content word is an object ("changed you"), after "do"/"can"/"how" a generic subject.
    if (token.lower === 'you' && previous && !previous.stopword && previous.weight > 0) pronouns.add('speaker');
    // Only a sentence-initial "why/when/where/who" asks something ("… useful when …" does not).
    if (token.sentenceStart && SPECIFIC_INTERROGATIVES.has(token.lower)) interrogatives.add(token.lower);
    const rawKey = entityKey(token.lower);
    const key = canonicalTechName(rawKey) ?? rawKey;
    addNameKeys(nameKeys, rawKey, token);
    if (previous) addNameKeys(nameKeys, entityKey(previous.lower) + rawKey, undefined);
    if (index > 1) addNameKeys(nameKeys, entityKey(tokens[index - 2]!.lower) + entityKey(previous!.lower) + rawKey, undefined);

    if (token.kind === 'number' && token.value !== undefined) {
      const versionOf = versionContext(token, previous);
      numbers.push({
        surface: token.surface, value: token.value, weak: WEAK_WRITTEN_NUMBERS.has(token.lower),
        ...(versionOf === undefined ? {} : { versionOf }),
      });
      return;
    }
    const versionToken = VERSION_TOKEN.exec(token.lower);
    if (versionToken) {
      numbers.push({ surface: token.surface, value: versionToken[1]!, weak: false, versionOf: 'v' });
      return;
    }
    const nameWithVersion = NAME_WITH_VERSION.exec(rawKey);
    if (token.entityLike && nameWithVersion && !isTechName(rawKey) && isTechName(nameWithVersion[1]!)) {
      const name = canonicalTechName(nameWithVersion[1]!) ?? nameWithVersion[1]!;
      entities.push({ surface: token.surface, key: name, strength: entityStrength(token, name) });
      numbers.push({ surface: token.surface, value: nameWithVersion[2]!, weak: false, versionOf: name });
      nameKeys.add(name);
      return;
    }
    if (token.entityLike && key.length > 0) entities.push({ surface: token.surface, key, strength: entityStrength(token, key) });
    if (!token.stopword && token.weight > 0) {
      terms.set(token.term, Math.max(terms.get(token.term) ?? 0, token.weight));
      if (!termSurfaces.has(token.term)) termSurfaces.set(token.term, token.lower);
    }
  });

  // The action of a how-to question ("How do I *install* …") is its crux: weigh it double.
  const action = actionTerm(tokens);
  if (action !== undefined && terms.has(action)) terms.set(action, Math.max(terms.get(action)!, ACTION_WEIGHT));
  const entityCounts = new Map<string, number>();
  for (const entity of entities) entityCounts.set(entity.key, (entityCounts.get(entity.key) ?? 0) + 1);
  return {
    text, tokens, negations, numbers, entities, nameKeys, terms, termSurfaces, stemCounts, entityCounts, negatedTerms,
    plainTerms, interrogatives, modals, pronouns, agent: agentOf(tokens), isQuestion: looksLikeQuestion(text, tokens),
  };
}

const QUESTION_OPENERS = new Set([
  'how', 'what', 'why', 'when', 'where', 'who', 'which', 'is', 'are', 'can', 'could', 'should', 'would', 'does', 'do',
  'did', 'will', 'was', 'were',
]);

function looksLikeQuestion(text: string, tokens: readonly Token[]): boolean {
  return text.trim().endsWith('?') || QUESTION_OPENERS.has(tokens[0]?.lower ?? '');
}

const AGENT_AUXILIARIES = new Set(['do', 'does', 'did', 'can', 'could', 'should', 'would', 'will', 'must', 'might', 'may']);
const SPEAKERS = new Set(['i', 'you', 'we', 'one']);
const WH_WORDS = new Set(['how', 'why', 'what', 'when', 'where', 'which']);

/** The agent after the auxiliary of a wh-question ("How do [I] …", "Why do [politicians] …"). */
function agentOf(tokens: readonly Token[]): string | undefined {
  if (!WH_WORDS.has(tokens[0]?.lower ?? '')) return undefined;
  const auxiliary = tokens.findIndex((token, index) => index > 0 && index <= 2 && AGENT_AUXILIARIES.has(token.lower));
  if (auxiliary < 0) return undefined;
  const next = tokens[auxiliary + 1];
  if (!next) return undefined;
  if (SPEAKERS.has(next.lower)) return 'speaker';
  return !next.stopword && next.weight >= 1 && next.kind === 'word' ? next.term : undefined;
}

const ACTION_WEIGHT = 2;
const QUESTION_AUXILIARIES = new Set(['do', 'does', 'did', 'can', 'could', 'should', 'would', 'will', 'to', 'may', 'might']);
const SUBJECTS = new Set(['i', 'we', 'you', 'one', 'they']);

/** The first content word after "how do I" / "how to" / "can I" at the start of a question. */
function actionTerm(tokens: readonly Token[]): string | undefined {
  let index = 0;
  const word = (position: number) => tokens[position]?.lower;
  if (word(0) === 'how' && QUESTION_AUXILIARIES.has(word(1) ?? '')) index = 2;
  else if ((word(0) === 'can' || word(0) === 'could' || word(0) === 'should') && SUBJECTS.has(word(1) ?? '')) index = 2;
  else return undefined;
  if (SUBJECTS.has(word(index) ?? '')) index++;
  for (; index < Math.min(tokens.length, 6); index++) {
    const token = tokens[index]!;
    if (!token.stopword && token.weight > 0 && token.kind === 'word') return token.term;
  }
  return undefined;
}

function addNameKeys(keys: Set<string>, key: string, token: Token | undefined): void {
  if (key.length === 0) return;
  keys.add(key);
  const canonical = canonicalTechName(key);
  if (canonical) keys.add(canonical);
  if (token) keys.add(token.term);
  // Plural product names ("DataFrames", "URLs") match their singular.
  if (key.length > 3 && key.endsWith('s')) keys.add(key.slice(0, -1));
}

function versionContext(token: Token, previous: Token | undefined): string | undefined {
  if (!previous) return /\d\.\d/.test(token.surface) && token.surface.split('.').length > 2 ? 'version' : undefined;
  if (VERSION_WORDS.has(previous.lower)) return 'version';
  if (previous.entityLike || isTechName(entityKey(previous.lower))) return entityKey(previous.lower);
  if (/\d\.\d+\.\d/.test(token.surface)) return 'version';
  return undefined;
}
