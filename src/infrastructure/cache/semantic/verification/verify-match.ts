/**
 * The verification step: a nearest neighbour above the similarity threshold is served only when
 * nothing shows it to be a different question. Embeddings (ours or a provider's) place
 * "How do I install X" and "How do I uninstall X" side by side; these checks do not.
 */

import { porterStem } from '../text/porter-stemmer.js';
import { canonicalTechName, entityKey } from '../text/tech-names.js';
import { ANTONYM_PAIRS } from '../text/word-lists.js';
import { PAIR_MODEL } from './pair-model.generated.js';
import { scorePair, type PairModel } from './pair-model.js';
import type { EntityMention, NumberMention, QuestionFeatures } from './question-features.js';

export interface VerificationOptions {
  /** Reject when the unmatched content weight is above this share of either side's total. Default 0.35. */
  maxUnmatchedShare?: number;
  /** Reject when each side has an unmatched content term at least this heavy (a substituted key term)… Default 1. */
  substitutionWeight?: number;
  /** …and the unmatched weight is above this share of both sides (one word in a short question). Default 0.12. */
  substitutionShare?: number;
  /** Unmatched weight below this is tolerated whatever its share (one generic word in a short query). Default 0.4. */
  unmatchedAllowance?: number;
  /**
   * Weight discounted before the share applies, so a short question tolerates less than its share:
   * the budget is `max(unmatchedAllowance, maxUnmatchedShare × (total − shortQuestionWeight))`. Default 0.
   */
  shortQuestionWeight?: number;
  /**
   * In a text lighter than this, a content term of weight ≥ 1 on one side only — an added
   * constraint such as "in production" — makes it a different question. Default 10 for
   * statements, `questionAdditionMaxWeight` (default 24) when both sides are questions.
   */
  additionMaxWeight?: number;
  questionAdditionMaxWeight?: number;
  /** When both sides are questions, an unmatched term at least this heavy on one side only is an added constraint. Default 0.3. */
  questionAdditionMinWeight?: number;
  /**
   * The learned pair model, asked last about a candidate the rules accepted: below its gate the
   * candidate is refused. Default the shipped `PAIR_MODEL`; false: rules only.
   */
  pairModel?: PairModel | false;
  /** Overrides the model's gate (measurement). */
  pairGate?: number;
  /**
   * Opt-in: a candidate refused only by the key-terms / repeat checks (rewording, a word on one
   * side, a word replaced) is served when the model's probability is at least this. Off by default:
   * it doubles recall on the dev split with no false hit, but the model learnt from minimal-edit
   * negatives and is not yet measured on natural ones (docs/semantic-cache.md).
   */
  pairAccept?: number;
}

export interface VerificationDecision {
  accepted: boolean;
  /** The candidate's cosine similarity to the query, as given. */
  similarity: number;
  /** Why it was rejected, e.g. `negation: "not" only in query`; empty when accepted. */
  reasons: string[];
}

const ASYMMETRIC_CONNECTORS = new Set([
  'from', 'to', 'into', 'in', 'on', 'for', 'over', 'than', 'instead', 'inside', 'within', 'under', 'onto', 'by',
  'of', 'per', 'behind', 'through',
]);
const MAX_CONNECTOR_SPAN = 6;

/** Inflected forms (stemmed) → base word, so "added" and "adds" count as "add". */
const ANTONYM_FORMS = new Map<string, string>();
const ANTONYMS = new Map<string, string[]>();
for (const [left, right] of ANTONYM_PAIRS) {
  for (const word of [left, right]) {
    const last = word.at(-1)!;
    const forms = [word, `${word}s`, `${word}es`, `${word}ed`, `${word}d`, `${word}ing`, `${word}${last}ed`, `${word}${last}ing`];
    if (word.endsWith('e')) forms.push(`${word.slice(0, -1)}ing`);
    for (const form of forms) if (!ANTONYM_FORMS.has(porterStem(form))) ANTONYM_FORMS.set(porterStem(form), word);
  }
  ANTONYMS.set(left, [...(ANTONYMS.get(left) ?? []), right]);
  ANTONYMS.set(right, [...(ANTONYMS.get(right) ?? []), left]);
}

function antonymCounts(features: QuestionFeatures): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [stem, count] of features.stemCounts) {
    const word = ANTONYM_FORMS.get(stem);
    if (word !== undefined) counts.set(word, (counts.get(word) ?? 0) + count);
  }
  return counts;
}

/** Decides whether a cached question (`candidate`) answers the query. */
export function verifyMatch(
  query: QuestionFeatures,
  candidate: QuestionFeatures,
  similarity: number,
  options: VerificationOptions = {},
): VerificationDecision {
  const reasons: string[] = [];
  checkNegation(query, candidate, reasons);
  checkNumbers(query, candidate, reasons);
  checkEntities(query, candidate, reasons);
  checkOrder(query, candidate, reasons);
  checkAntonyms(query, candidate, reasons);
  checkInterrogatives(query, candidate, reasons);
  checkAgent(query, candidate, reasons);
  // Modals and pronouns decide what a question asks; in statements they shift freely between
  // paraphrases ("you can load …" / "… can be loaded", "they all inherit" / "all of which derive").
  if (query.isQuestion || candidate.isQuestion) {
    checkModals(query.modals, candidate.modals, reasons);
    checkGroups('pronoun', query.pronouns, candidate.pronouns, reasons);
  }
  checkKeyTerms(query, candidate, reasons, options);
  checkEdit(query, candidate, reasons);
  const model = options.pairModel ?? PAIR_MODEL;
  if (model === false) return { accepted: reasons.length === 0, similarity, reasons };
  if (reasons.length === 0) {
    const gate = options.pairGate ?? model.gate;
    const probability = gate > 0 ? scorePair(model, query, candidate, similarity) : 1;
    if (probability < gate) reasons.push(`model: same-question probability ${probability.toFixed(3)} below ${gate}`);
  } else if (options.pairAccept !== undefined && reasons.every((reason) => reason.startsWith('key-terms:') || reason.startsWith('repeat:'))) {
    if (scorePair(model, query, candidate, similarity) >= options.pairAccept) reasons.length = 0;
  }
  return { accepted: reasons.length === 0, similarity, reasons };
}

/** Words whose addition or removal alone leaves the question as it was ("What is X *exactly*?"). */
const FILLER_WORDS = new Set([
  'the', 'a', 'an', 'please', 'exactly', 'actually', 'really', 'just', 'basically', 'simply', 'so', 'very', 'also',
  'hi', 'hello', 'hey', 'thanks', 'ok', 'okay', 'now', 'do', 'does', 'did',
]);
/** Words between two exchanged words that make the exchange harmless ("between PyTorch and TensorFlow"). */
const SYMMETRIC_JOINERS = new Set(['and', 'or', 'vs', 'versus']);

/**
 * One text is the other with one edit: a run of words added or dropped anywhere ("… allow *at
 * most*?", "links audio files *with their metadata*", "the meaning of *my* life"), or two words
 * exchanged ("from *least* to *most*" / "from *most* to *least*", "a flat *list* in *Python*" /
 * "a flat *Python* in *list*"). However light the words, a minimal edit that is not a filler
 * word is what makes a near-miss: no paraphrase in the train or dev splits is one.
 */
function checkEdit(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const left = query.tokens.map((token) => token.lower);
  const right = candidate.tokens.map((token) => token.lower);
  if (left.length === right.length) {
    const differing: number[] = [];
    for (let index = 0; index < left.length && differing.length <= 2; index++) if (left[index] !== right[index]) differing.push(index);
    if (differing.length !== 2) return;
    const [first, second] = differing as [number, number];
    const joinedSymmetrically = second - first > 1 && left.slice(first + 1, second).every((word) => SYMMETRIC_JOINERS.has(word));
    if (left[first] === right[second] && left[second] === right[first] && !joinedSymmetrically) {
      reasons.push(`order: "${left[first]}" and "${left[second]}" exchanged`);
    }
    return;
  }
  const [longer, shorter, side] = left.length > right.length ? [left, right, 'query'] : [right, left, 'cached question'];
  let head = 0;
  while (head < shorter.length && longer[head] === shorter[head]) head++;
  let tail = 0;
  while (tail < shorter.length - head && longer[longer.length - 1 - tail] === shorter[shorter.length - 1 - tail]) tail++;
  if (head + tail < shorter.length) return;
  const span = longer.slice(head, longer.length - tail);
  if (span.every((word) => FILLER_WORDS.has(word))) return;
  reasons.push(`edit: "${span.join(' ')}" only in ${side}`);
}

function checkNegation(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const inQuery = query.negations.length > 0;
  const inCandidate = candidate.negations.length > 0;
  if (inQuery !== inCandidate) {
    const words = inQuery ? query.negations : candidate.negations;
    reasons.push(`negation: "${words.join('", "')}" only in ${inQuery ? 'query' : 'cached question'}`);
    return;
  }
  // Both negate something: a term negated on one side but only affirmed on the other flips the meaning.
  // The same words with one negation each is word order ("doesn't my build work" / "does my build not work").
  const sameTerms = query.terms.size === candidate.terms.size && [...query.terms.keys()].every((term) => candidate.terms.has(term));
  if (sameTerms && query.negations.length === candidate.negations.length) return;
  const flipped = (negated: QuestionFeatures, affirmed: QuestionFeatures) =>
    [...negated.negatedTerms].find(
      (term) => !negated.plainTerms.has(term) && affirmed.plainTerms.has(term) && !affirmed.negatedTerms.has(term),
    );
  const inQueryOnly = flipped(query, candidate);
  const inCandidateOnly = inQueryOnly === undefined ? flipped(candidate, query) : undefined;
  const term = inQueryOnly ?? inCandidateOnly;
  if (term === undefined) return;
  const surface = (inQueryOnly ? query : candidate).termSurfaces.get(term) ?? term;
  reasons.push(`negation: "${surface}" negated only in ${inQueryOnly ? 'query' : 'cached question'}`);
}

function numberLabel(mention: NumberMention): string {
  return mention.versionOf && mention.versionOf !== mention.surface.toLowerCase() ? `${mention.versionOf} ${mention.surface}` : mention.surface;
}

function checkNumbers(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const queryValues = new Set(query.numbers.map((mention) => mention.value));
  const candidateValues = new Set(candidate.numbers.map((mention) => mention.value));
  const onlyQuery = query.numbers.filter((mention) => !mention.weak && !candidateValues.has(mention.value));
  const onlyCandidate = candidate.numbers.filter((mention) => !mention.weak && !queryValues.has(mention.value));
  if (onlyQuery.length === 0 && onlyCandidate.length === 0) {
    // "one" or "first" alone is often no quantity, but "first" on one side and "second" on the other is.
    const weakQuery = query.numbers.filter((mention) => mention.weak && !candidateValues.has(mention.value));
    const weakCandidate = candidate.numbers.filter((mention) => mention.weak && !queryValues.has(mention.value));
    if (weakQuery.length > 0 && weakCandidate.length > 0) {
      reasons.push(`number: ${weakQuery.map(numberLabel).join(', ')} in query vs ${weakCandidate.map(numberLabel).join(', ')} cached`);
    }
    return;
  }
  const version = [...onlyQuery, ...onlyCandidate].some((mention) => mention.versionOf !== undefined);
  const describe = (mentions: NumberMention[]) => (mentions.length === 0 ? 'none' : mentions.map(numberLabel).join(', '));
  reasons.push(`${version ? 'version' : 'number'}: ${describe(onlyQuery)} in query vs ${describe(onlyCandidate)} cached`);
}

function checkEntities(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  // An entity is "more present" on one side when the other side lacks it or mentions it fewer times.
  const morePresent = (side: QuestionFeatures, other: QuestionFeatures) =>
    side.entities.filter((entity) => {
      const otherCount = other.entityCounts.get(entity.key) ?? 0;
      if (!other.nameKeys.has(entity.key)) return true;
      return otherCount > 0 && otherCount < side.entityCounts.get(entity.key)!;
    });
  const names = (list: readonly EntityMention[]) => [...new Set(list.map((entity) => entity.surface))].join('", "');
  const queryMore = morePresent(query, candidate);
  const candidateMore = morePresent(candidate, query);
  if (queryMore.length > 0 && candidateMore.length > 0) {
    reasons.push(`entity: "${names(queryMore)}" in query vs "${names(candidateMore)}" cached`);
    return;
  }
  const strong = (side: QuestionFeatures, other: QuestionFeatures) =>
    side.entities.filter((entity) => entity.strength === 'strong' && !other.nameKeys.has(entity.key));
  const strongQuery = strong(query, candidate);
  const strongCandidate = strong(candidate, query);
  if (strongQuery.length > 0) reasons.push(`entity: "${names(strongQuery)}" only in query`);
  if (strongCandidate.length > 0) reasons.push(`entity: "${names(strongCandidate)}" only in cached question`);
}

/** Content-term positions for terms that occur exactly once. */
function singlePositions(features: QuestionFeatures): Map<string, number> {
  const positions = new Map<string, number>();
  const repeated = new Set<string>();
  features.tokens.forEach((token, index) => {
    if (token.stopword || token.weight < 1) return;
    if (positions.has(token.term)) repeated.add(token.term);
    positions.set(token.term, index);
  });
  for (const term of repeated) positions.delete(term);
  return positions;
}

function connectors(features: QuestionFeatures, from: number, to: number): Set<string> {
  const found = new Set<string>();
  for (let index = from + 1; index < to; index++) {
    const word = features.tokens[index]!.lower;
    if (ASYMMETRIC_CONNECTORS.has(word)) found.add(word);
  }
  return found;
}

/** "from X to Y" vs "from Y to X", "X bindings for Y" vs "Y bindings for X", "X faster than Y" … */
function checkOrder(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const queryPositions = singlePositions(query);
  const candidatePositions = singlePositions(candidate);
  const shared = [...queryPositions.keys()].filter((term) => candidatePositions.has(term));
  for (let i = 0; i < shared.length; i++) {
    for (let j = i + 1; j < shared.length; j++) {
      const first = shared[i]!;
      const second = shared[j]!;
      const q1 = queryPositions.get(first)!;
      const q2 = queryPositions.get(second)!;
      const c1 = candidatePositions.get(first)!;
      const c2 = candidatePositions.get(second)!;
      if (q1 < q2 === c1 < c2) continue;
      const [qa, qb] = q1 < q2 ? [q1, q2] : [q2, q1];
      const [ca, cb] = c1 < c2 ? [c1, c2] : [c2, c1];
      if (qb - qa > MAX_CONNECTOR_SPAN || cb - ca > MAX_CONNECTOR_SPAN) continue;
      const queryConnectors = connectors(query, qa, qb);
      const common = [...connectors(candidate, ca, cb)].filter((word) => queryConnectors.has(word));
      if (common.length === 0) continue;
      const firstSurface = query.termSurfaces.get(first) ?? first;
      const secondSurface = query.termSurfaces.get(second) ?? second;
      reasons.push(`order: "${firstSurface}" and "${secondSurface}" swapped around "${common[0]}"`);
      return;
    }
  }
}

/** "install" where the other says "uninstall" (counted, so a long text that keeps one "load" still flips). */
function checkAntonyms(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const queryCounts = antonymCounts(query);
  if (queryCounts.size === 0) return;
  const candidateCounts = antonymCounts(candidate);
  const count = (counts: Map<string, number>, word: string) => counts.get(word) ?? 0;
  for (const [word, inQuery] of queryCounts) {
    if (inQuery <= count(candidateCounts, word)) continue;
    const opposite = ANTONYMS.get(word)!.find((other) => count(candidateCounts, other) > count(queryCounts, other));
    if (opposite) {
      reasons.push(`antonym: "${word}" in query vs "${opposite}" cached`);
      return;
    }
  }
}

function checkInterrogatives(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  // A statement's opening "When …" is a clause, not a question.
  if (!query.isQuestion && !candidate.isQuestion) return;
  const differ =
    query.interrogatives.size !== candidate.interrogatives.size ||
    [...query.interrogatives].some((word) => !candidate.interrogatives.has(word));
  if (!differ) return;
  const list = (set: ReadonlySet<string>) => (set.size === 0 ? 'none' : [...set].join('/'));
  reasons.push(`interrogative: ${list(query.interrogatives)} in query vs ${list(candidate.interrogatives)} cached`);
}

/**
 * "Can I …" and "How do I …" ask the same; "Can I …" and "Should I …" do not. Different modals on
 * the two sides differ, and so does advice or obligation (should, must) on one side only.
 */
function checkModals(inQuery: ReadonlySet<string>, inCandidate: ReadonlySet<string>, reasons: string[]): void {
  if (inQuery.size > 0 && inCandidate.size > 0) return checkGroups('modal', inQuery, inCandidate, reasons);
  const weighty = [...inQuery, ...inCandidate].filter((group) => group === 'advice' || group === 'obligation');
  if (weighty.length > 0) checkGroups('modal', inQuery, inCandidate, reasons);
}

function contentCounts(features: QuestionFeatures): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of features.tokens) {
    if (token.stopword || token.weight < 1 || token.kind === 'number') continue;
    counts.set(token.term, (counts.get(token.term) ?? 0) + 1);
  }
  return counts;
}

/**
 * Both sides use the same content words but one says one of them more often: the extra mention
 * is an added constraint ("… audio files *in the TAR file*" when "TAR" came earlier) or, with an
 * extra of another word on the other side, a swapped subject ("the *text* files" for "the audio
 * files" in a text that names both).
 */
function checkRepeats(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  const queryCounts = contentCounts(query);
  const candidateCounts = contentCounts(candidate);
  const extra = (side: Map<string, number>, other: Map<string, number>) =>
    [...side].filter(([term, count]) => count > (other.get(term) ?? 0) && (other.get(term) ?? 0) > 0).map(([term]) => term);
  const inQuery = extra(queryCounts, candidateCounts);
  const inCandidate = extra(candidateCounts, queryCounts);
  if (inQuery.length === 0 && inCandidate.length === 0) return;
  const surface = (features: QuestionFeatures, terms: string[]) => terms.map((term) => features.termSurfaces.get(term) ?? term).join('", "');
  reasons.push(`repeat: "${surface(query, inQuery)}" more often in query, "${surface(candidate, inCandidate)}" more often cached`);
}

/**
 * Who acts: "How do *I* scam a politician?" asks something else than "How do *politicians* scam?".
 * Only a speaker ("I", "you", "we", "one") against a named agent counts; two named agents are
 * left to the key-term checks.
 */
function checkAgent(query: QuestionFeatures, candidate: QuestionFeatures, reasons: string[]): void {
  if (query.agent === undefined || candidate.agent === undefined) return;
  const speakerQuery = query.agent === 'speaker';
  const speakerCandidate = candidate.agent === 'speaker';
  if (speakerQuery === speakerCandidate) return;
  reasons.push(`agent: "${query.agent}" in query vs "${candidate.agent}" cached`);
}

/** Modals and pronouns: the same groups on both sides, or a different question. */
function checkGroups(check: string, inQuery: ReadonlySet<string>, inCandidate: ReadonlySet<string>, reasons: string[]): void {
  const onlyQuery = [...inQuery].filter((group) => !inCandidate.has(group));
  const onlyCandidate = [...inCandidate].filter((group) => !inQuery.has(group));
  if (onlyQuery.length === 0 && onlyCandidate.length === 0) return;
  const list = (groups: string[]) => (groups.length === 0 ? 'none' : groups.join('/'));
  reasons.push(`${check}: ${list(onlyQuery)} in query vs ${list(onlyCandidate)} cached`);
}

function commonPrefixLength(left: string, right: string): number {
  const limit = Math.min(left.length, right.length);
  let index = 0;
  while (index < limit && left[index] === right[index]) index++;
  return index;
}

/** A term matches when the other side has it, spells it as a name, or shares a long prefix. */
function termMatched(term: string, surface: string, other: QuestionFeatures): boolean {
  if (other.terms.has(term) || other.nameKeys.has(term) || other.nameKeys.has(surface)) return true;
  const name = canonicalTechName(entityKey(surface));
  if (name !== undefined && other.nameKeys.has(name)) return true;
  if (surface.length < 6) return false;
  for (const otherSurface of other.termSurfaces.values()) {
    const prefix = commonPrefixLength(surface, otherSurface);
    if (prefix >= 6 && prefix >= 0.75 * Math.min(surface.length, otherSurface.length)) return true;
  }
  return false;
}

export interface Unmatched {
  total: number;
  share: number;
  weight: number;
  heaviest: number;
  words: string[];
}

export function unmatchedTerms(side: QuestionFeatures, other: QuestionFeatures): Unmatched {
  let total = 0;
  let weight = 0;
  let heaviest = 0;
  const words: string[] = [];
  for (const [term, termWeight] of side.terms) {
    total += termWeight;
    const surface = side.termSurfaces.get(term) ?? term;
    if (termMatched(term, surface, other)) continue;
    weight += termWeight;
    heaviest = Math.max(heaviest, termWeight);
    words.push(surface);
  }
  return { total, share: total === 0 ? 0 : weight / total, weight, heaviest, words };
}

function checkKeyTerms(
  query: QuestionFeatures,
  candidate: QuestionFeatures,
  reasons: string[],
  options: VerificationOptions,
): void {
  const maxShare = options.maxUnmatchedShare ?? 0.35;
  const substitution = options.substitutionWeight ?? 1;
  const allowance = options.unmatchedAllowance ?? 0.4;
  const inQuery = unmatchedTerms(query, candidate);
  const inCandidate = unmatchedTerms(candidate, query);
  const describe = (unmatched: Unmatched) =>
    `${Math.round(unmatched.share * 100)}%${unmatched.words.length > 0 ? ` ("${unmatched.words.slice(0, 4).join('", "')}")` : ''}`;
  const shortWeight = options.shortQuestionWeight ?? 0;
  const tooMuch = (unmatched: Unmatched) =>
    unmatched.weight > Math.max(allowance, maxShare * Math.max(0, unmatched.total - shortWeight));
  if (tooMuch(inQuery) || tooMuch(inCandidate)) {
    reasons.push(`key-terms: unmatched ${describe(inQuery)} of query, ${describe(inCandidate)} of cached question`);
    return;
  }
  const additionMaxWeight =
    query.isQuestion && candidate.isQuestion ? (options.questionAdditionMaxWeight ?? Infinity) : (options.additionMaxWeight ?? Infinity);
  // In a question even a common word added on one side is a constraint ("get motivated again *to code*").
  const addedWeight = query.isQuestion && candidate.isQuestion ? (options.questionAdditionMinWeight ?? 0.3) : 1;
  const added = (side: Unmatched, other: Unmatched) => side.heaviest >= addedWeight && other.heaviest < 1 && side.words.length > 0 && other.words.length === 0 && side.total < additionMaxWeight;
  if (added(inQuery, inCandidate) || added(inCandidate, inQuery)) {
    const [side, words] = added(inQuery, inCandidate) ? ['query', inQuery.words] : ['cached question', inCandidate.words];
    reasons.push(`key-terms: "${words.join('", "')}" only in ${side}`);
    return;
  }
  // One word swapped for another and nothing else changed: a subject swapped inside the same frame
  // ("a master's in nutrition" / "in criminology"), however light the word or long the text.
  if (inQuery.words.length === 1 && inCandidate.words.length === 1) {
    reasons.push(`key-terms: "${inQuery.words[0]}" in query replaced by "${inCandidate.words[0]}"`);
    return;
  }
  const substitutionShare = options.substitutionShare ?? 0.12;
  const substituted = (unmatched: Unmatched) => unmatched.heaviest >= substitution && unmatched.share > substitutionShare;
  if (substituted(inQuery) && substituted(inCandidate)) {
    reasons.push(`key-terms: "${inQuery.words.join('", "')}" in query replaced by "${inCandidate.words.join('", "')}"`);
    return;
  }
  // The same words on both sides: only then can a repeated word be an added constraint (a reworded
  // paraphrase repeats words differently and has unmatched words besides).
  if (inQuery.words.length === 0 && inCandidate.words.length === 0) checkRepeats(query, candidate, reasons);
}
