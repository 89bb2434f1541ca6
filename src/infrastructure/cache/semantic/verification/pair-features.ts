/**
 * The learned pair model's view of a (query, cached question) pair: alignment features the rules
 * also look at, as numbers, symmetric in the two sides (issue 19). Cheap: linear in the tokens
 * except the token edit distance, which is bounded by `MAX_EDIT_TOKENS`.
 */

import type { QuestionFeatures } from './question-features.js';
import { unmatchedTerms } from './verify-match.js';

export const PAIR_FEATURE_NAMES = [
  'similarity',
  'unmatchedShareMax',
  'unmatchedShareMin',
  'unmatchedWeightMax',
  'unmatchedWeightMin',
  'heaviestUnmatchedMax',
  'unmatchedWordsMax',
  'unmatchedWordsMin',
  'tokenJaccard',
  'termJaccard',
  'lengthRatio',
  'logContentWeight',
  'bothQuestions',
  'tokenEditShare',
  'sharedEndsShare',
  'entityJaccard',
  'numbersDiffer',
  'sameInterrogatives',
  'sameModals',
  'samePronouns',
  'sameAgent',
] as const;

const MAX_EDIT_TOKENS = 80;

function jaccard<T>(left: Iterable<T>, right: Iterable<T>): number {
  const a = new Set(left);
  const b = new Set(right);
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const item of a) if (b.has(item)) common++;
  return common / (a.size + b.size - common);
}

function sameSet(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size !== right.size) return 0;
  for (const item of left) if (!right.has(item)) return 0;
  return 1;
}

/** Token-level Levenshtein distance over the first `MAX_EDIT_TOKENS` tokens, as a share of the longer side. */
function tokenEditShare(left: readonly string[], right: readonly string[]): number {
  const a = left.slice(0, MAX_EDIT_TOKENS);
  const b = right.slice(0, MAX_EDIT_TOKENS);
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]! / Math.max(a.length, b.length);
}

/** Share of the shorter side covered by a common start and end (1: one text is the other plus one inserted run). */
function sharedEndsShare(left: readonly string[], right: readonly string[]): number {
  const shorter = Math.min(left.length, right.length);
  if (shorter === 0) return 0;
  let head = 0;
  while (head < shorter && left[head] === right[head]) head++;
  let tail = 0;
  while (tail < shorter - head && left[left.length - 1 - tail] === right[right.length - 1 - tail]) tail++;
  return (head + tail) / shorter;
}

/** Feature vector in `PAIR_FEATURE_NAMES` order. */
export function pairFeatures(query: QuestionFeatures, candidate: QuestionFeatures, similarity: number): number[] {
  const inQuery = unmatchedTerms(query, candidate);
  const inCandidate = unmatchedTerms(candidate, query);
  const left = query.tokens.map((token) => token.lower);
  const right = candidate.tokens.map((token) => token.lower);
  const numbers = (features: QuestionFeatures) => new Set(features.numbers.map((mention) => mention.value));
  const queryNumbers = numbers(query);
  const candidateNumbers = numbers(candidate);
  return [
    similarity,
    Math.max(inQuery.share, inCandidate.share),
    Math.min(inQuery.share, inCandidate.share),
    Math.max(inQuery.weight, inCandidate.weight),
    Math.min(inQuery.weight, inCandidate.weight),
    Math.max(inQuery.heaviest, inCandidate.heaviest),
    Math.max(inQuery.words.length, inCandidate.words.length),
    Math.min(inQuery.words.length, inCandidate.words.length),
    jaccard(left, right),
    jaccard(query.terms.keys(), candidate.terms.keys()),
    Math.min(left.length, right.length) / Math.max(1, left.length, right.length),
    Math.log1p(Math.max(inQuery.total, inCandidate.total)),
    query.isQuestion && candidate.isQuestion ? 1 : 0,
    tokenEditShare(left, right),
    sharedEndsShare(left, right),
    jaccard(query.entities.map((entity) => entity.key), candidate.entities.map((entity) => entity.key)),
    sameSet(queryNumbers, candidateNumbers) ? 0 : 1,
    sameSet(query.interrogatives, candidate.interrogatives),
    sameSet(query.modals, candidate.modals),
    sameSet(query.pronouns, candidate.pronouns),
    query.agent === candidate.agent ? 1 : 0,
  ];
}
