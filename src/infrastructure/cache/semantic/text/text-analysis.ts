/**
 * Tokenisation shared by the local embedder and the verifier: keeps case for named-entity
 * detection, marks code, expands contractions, rewrites multi-word phrases, stems, and maps
 * synonyms onto one canonical term. Pure and allocation-light: it runs on every lookup.
 */

import { porterStem } from './porter-stemmer.js';
import { PHRASE_REWRITES, SYNONYM_GROUPS } from './synonyms.js';
import { AMBIGUOUS_TECH_WORDS, canonicalTechName, entityKey, isTechName } from './tech-names.js';
import { GENERIC_WORDS, ORDINAL_WORDS, STOPWORDS, WRITTEN_NUMBERS } from './word-lists.js';

export type TokenKind = 'word' | 'number' | 'code';

export interface Token {
  /** Spelling as written (a rewritten phrase keeps the original words). */
  readonly surface: string;
  /** Lowercase form (for a rewritten phrase: the replacement). */
  readonly lower: string;
  /** Canonical content term: synonym-mapped stem, `#n:<value>` for numbers, entity key for code. */
  readonly term: string;
  readonly kind: TokenKind;
  readonly stopword: boolean;
  /** Looks like a name: code, identifier, camel case, acronym, mid-sentence capital, known tech. */
  readonly entityLike: boolean;
  /** IDF-like weight from the built-in word lists: 0 for stopwords, ~0.35 generic, 1 normal, more for names. */
  readonly weight: number;
  /** First token of a sentence or list item. */
  readonly sentenceStart: boolean;
  /** Canonical number text when `kind === 'number'` ("2", "50000", "3.11", "2.10.0"). */
  readonly value?: string;
}

const TOKEN_PATTERN = /🤗|[\p{L}\p{N}_#+]+(?:[.'’][\p{L}\p{N}_]+|,\d{3}(?!\d))*(?:\(\))?/gu;
const SENTENCE_BREAK = /[.!?:;\n]|^\s*[-*•]\s/u;
const NUMBER_PATTERN = /^(\d+(?:[.,]\d+)*)(k|m|b|x|%|gb|mb|kb|tb|ms|s)?$/i;

const CONTRACTIONS = new Map<string, string[]>([
  ["can't", ['can', 'not']], ["cannot", ['can', 'not']], ["won't", ['will', 'not']], ["shan't", ['shall', 'not']],
  ["ain't", ['is', 'not']],
]);

const SYNONYM_BY_STEM = buildSynonymMap();
const PHRASES = PHRASE_REWRITES.map(([phrase, replacement]) => ({ words: phrase.split(' '), replacement }));

function buildSynonymMap(): Map<string, string> {
  const map = new Map<string, string>();
  for (const group of SYNONYM_GROUPS) {
    const canonical = porterStem(group[0]!);
    for (const word of group) {
      const stem = porterStem(word);
      if (!map.has(stem)) map.set(stem, canonical);
    }
  }
  return map;
}

/** Lowercase, NFKC, single spaces, no trailing punctuation: the exact-match form of a query. */
export function normaliseQuery(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s?.!]+$/u, '');
}

/** The canonical term of one lowercase word: stem, then synonym group. */
export function canonicalTerm(lower: string): string {
  const stem = porterStem(lower);
  return SYNONYM_BY_STEM.get(stem) ?? stem;
}

interface RawToken {
  surface: string;
  lower: string;
  code: boolean;
  sentenceStart: boolean;
}

/** Splits text into raw tokens, marking backtick code spans and sentence starts. */
function rawTokens(text: string): RawToken[] {
  const tokens: RawToken[] = [];
  const normalised = text.normalize('NFKC').replace(/[’‘]/g, "'");
  const segments = normalised.split('`');
  let pendingBreak = true;
  segments.forEach((segment, segmentIndex) => {
    const code = segmentIndex % 2 === 1;
    let last = 0;
    for (const match of segment.matchAll(TOKEN_PATTERN)) {
      const gap = segment.slice(last, match.index);
      if (SENTENCE_BREAK.test(gap)) pendingBreak = true;
      last = match.index + match[0].length;
      pushWord(tokens, match[0], code, pendingBreak);
      pendingBreak = false;
    }
    if (SENTENCE_BREAK.test(segment.slice(last))) pendingBreak = true;
  });
  return tokens;
}

function pushWord(tokens: RawToken[], word: string, code: boolean, sentenceStart: boolean): void {
  const lower = word.toLowerCase();
  if (!code) {
    const expanded = CONTRACTIONS.get(lower);
    if (expanded) {
      expanded.forEach((part, index) => tokens.push({ surface: part, lower: part, code, sentenceStart: sentenceStart && index === 0 }));
      return;
    }
    if (lower.endsWith("n't")) {
      const base = lower.slice(0, -3);
      tokens.push({ surface: word.slice(0, -3), lower: base, code, sentenceStart });
      tokens.push({ surface: 'not', lower: 'not', code, sentenceStart: false });
      return;
    }
    // "what's" → "what is" (so "what's the best way to" meets its phrase rewrite); other "'s" is possessive.
    const copula = /^(what|that|it|there|here|who|where|how|when|why)'s$/.exec(lower);
    if (copula) {
      tokens.push({ surface: word.slice(0, -2), lower: copula[1]!, code, sentenceStart });
      tokens.push({ surface: 'is', lower: 'is', code, sentenceStart: false });
      return;
    }
    const apostrophe = lower.search(/'(s|re|ve|ll|d|m)$/);
    if (apostrophe > 0) {
      tokens.push({ surface: word.slice(0, apostrophe), lower: lower.slice(0, apostrophe), code, sentenceStart });
      return;
    }
  }
  tokens.push({ surface: word, lower, code, sentenceStart });
}

/** Replaces multi-word phrases (outside code) with their one-word rewrite. */
function rewritePhrases(tokens: RawToken[]): RawToken[] {
  const output: RawToken[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    let matched = false;
    if (!token.code) {
      for (const phrase of PHRASES) {
        if (phrase.words[0] !== token.lower || index + phrase.words.length > tokens.length) continue;
        let same = true;
        for (let offset = 1; offset < phrase.words.length; offset++) {
          const next = tokens[index + offset]!;
          if (next.code || next.lower !== phrase.words[offset]) {
            same = false;
            break;
          }
        }
        if (!same) continue;
        const surface = tokens.slice(index, index + phrase.words.length).map((part) => part.surface).join(' ');
        for (const word of phrase.replacement.split(' ')) {
          output.push({ surface, lower: word, code: false, sentenceStart: token.sentenceStart });
        }
        index += phrase.words.length - 1;
        matched = true;
        break;
      }
    }
    if (!matched) output.push(token);
  }
  return output;
}

/** Canonical text of a number: "two" → "2", "50k" → "50000", "1,000" → "1000"; dotted versions stay as written. */
function parseNumber(lower: string): string | undefined {
  const written = WRITTEN_NUMBERS.get(lower);
  if (written !== undefined) return String(written);
  const ordinal = ORDINAL_WORDS.get(lower) ?? (/^\d+(st|nd|rd|th)$/.test(lower) ? Number.parseInt(lower, 10) : undefined);
  if (ordinal !== undefined) return `${ordinal}th`;
  const match = NUMBER_PATTERN.exec(lower);
  if (!match) return undefined;
  const digits = match[1]!;
  const suffix = match[2]?.toLowerCase();
  const multiplier = suffix === 'k' ? 1_000 : suffix === 'm' ? 1_000_000 : suffix === 'b' ? 1_000_000_000 : 1;
  if (/^\d{1,3}(,\d{3})+$/.test(digits)) return String(Number(digits.replace(/,/g, '')) * multiplier);
  // "3.10" is not "3.1" when it is a version: keep dotted numbers as written unless scaled.
  if (digits.includes('.') && multiplier === 1) return digits;
  const value = Number(digits.replace(',', '.')) * multiplier;
  return Number.isFinite(value) ? String(value) : digits;
}

function looksLikeEntity(raw: RawToken, key: string): boolean {
  const { surface } = raw;
  if (raw.code) return true;
  if (/[_]/.test(surface) || /\(\)$/.test(surface)) return true;
  if (/\p{L}\.\p{L}/u.test(surface)) return true;
  if (/\p{Ll}\p{Lu}/u.test(surface)) return true;
  if (/^\p{Lu}{2,}\d*$/u.test(surface) && !STOPWORDS.has(raw.lower)) return true;
  if (/\p{L}/u.test(surface) && /\d/.test(surface) && !NUMBER_PATTERN.test(raw.lower)) return true;
  const capitalised = /^\p{Lu}/u.test(surface);
  if (capitalised && !raw.sentenceStart && surface !== 'I' && !STOPWORDS.has(raw.lower)) return true;
  if (isTechName(key)) return capitalised || !AMBIGUOUS_TECH_WORDS.has(key);
  return surface === '🤗';
}

function toToken(raw: RawToken): Token {
  const value = raw.code ? undefined : parseNumber(raw.lower);
  if (value !== undefined) {
    return {
      surface: raw.surface, lower: raw.lower, term: `#n:${value}`, kind: 'number', stopword: false,
      entityLike: false, weight: 1.2, sentenceStart: raw.sentenceStart, value,
    };
  }
  const key = entityKey(raw.lower);
  const entityLike = looksLikeEntity(raw, key);
  const identifier = raw.code || /[_.]|\(\)$/.test(raw.lower);
  const stopword = !raw.code && STOPWORDS.has(raw.lower);
  // Names are kept whole (no stemming: "HTTPS" is not a plural of "HTTP").
  const term = identifier || entityLike ? (canonicalTechName(key) ?? key) : canonicalTerm(raw.lower);
  let weight = 1;
  if (stopword) weight = 0;
  else if (identifier) weight = 1.6;
  else if (entityLike) weight = 1.5;
  else if (GENERIC_WORDS.has(raw.lower)) weight = 0.35;
  else if (raw.lower.length >= 10) weight = 1.1;
  return {
    surface: raw.surface, lower: raw.lower, term, kind: raw.code ? 'code' : 'word', stopword: stopword && !entityLike,
    entityLike, weight, sentenceStart: raw.sentenceStart,
  };
}

/** Tokenises and annotates a text. */
export function analyseText(text: string): Token[] {
  return rewritePhrases(rawTokens(text)).map(toToken);
}
