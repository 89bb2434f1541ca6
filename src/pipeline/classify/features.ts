import { stem, tokenize } from './text.js';

/** Everything the classifier reads from a query, computed once per call. */
export interface QueryFeatures {
  original: string;
  lower: string;
  /** Distinct raw tokens and adjacent-token bigrams, for lexicon lookups. */
  lexiconTerms: string[];
  /** Stemmed unigrams, bigrams and opening-word markers, for the trained model. */
  learned: string[];
}

/** Queries longer than this are classified on their opening (a pasted log can be huge). */
const MAX_QUERY_CHARS = 2_000;

export function extractFeatures(query: string): QueryFeatures {
  const original = query.length > MAX_QUERY_CHARS ? query.slice(0, MAX_QUERY_CHARS) : query;
  const lower = original.toLowerCase().trim();
  const tokens = tokenize(lower);
  const lexiconTerms = new Set<string>();
  const learned = new Set<string>();
  let previousRaw: string | undefined;
  let previousStem: string | undefined;
  for (const token of tokens) {
    const stemmed = stem(token);
    lexiconTerms.add(token);
    learned.add(stemmed);
    if (previousRaw !== undefined) lexiconTerms.add(`${previousRaw} ${token}`);
    if (previousStem !== undefined) learned.add(`${previousStem} ${stemmed}`);
    previousRaw = token;
    previousStem = stemmed;
  }
  const [first, second] = tokens;
  if (first !== undefined) learned.add(`^${first}`);
  if (first !== undefined && second !== undefined) learned.add(`^${first} ${second}`);
  if (lower.endsWith('?')) learned.add('$?');
  return { original, lower, lexiconTerms: [...lexiconTerms], learned: [...learned] };
}

/** Adds the predicted research type as a feature (audience and urgency depend on it). */
export function withTypeFeature(learned: readonly string[], type: string): string[] {
  return [...learned, `type:${type}`];
}
