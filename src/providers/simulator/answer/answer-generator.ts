import { LRUCache } from 'lru-cache';
import { estimateTokens } from '../../../wire/token-estimate.js';
import type { QualityMode } from '../simulator-profile.js';
import { hedgingAnswer, offTopicAnswer, refusalAnswer } from './degraded-answers.js';
import { analyseQuery } from './query-analysis.js';
import { researchAnswer } from './research-answer.js';

/**
 * A generated answer. `pieces()` joined are `text`, each piece is one word with its leading
 * whitespace (one streamed delta), and `pieceTokens()` are their token counts under the shared
 * estimate, so usage, `max_tokens` cuts and streams agree exactly. Pieces are computed on
 * first use only: plain responses never need them, and holding hundreds of small strings per
 * cached answer made the unique-question path GC-bound.
 */
export interface Answer {
  text: string;
  pieces(): readonly string[];
  pieceTokens(): readonly number[];
  tokens: number;
  /** True when the mode itself cut the answer (`truncated`): report a length finish. */
  cut: boolean;
  /** `JSON.stringify(text)`, computed once: the hot path reuses it for every identical request. */
  textJson: string;
}

export function splitPieces(text: string): string[] {
  const pieces: string[] = text.match(/\s*\S+/g) ?? [];
  const trailing = /\s+$/.exec(text)?.[0];
  if (trailing !== undefined) {
    if (pieces.length === 0) pieces.push(trailing);
    else pieces[pieces.length - 1] += trailing;
  }
  return pieces;
}

export function toAnswer(text: string, cut = false): Answer {
  let pieces: string[] | undefined;
  let pieceTokens: number[] | undefined;
  const getPieces = () => (pieces ??= splitPieces(text));
  return {
    text,
    // Equal to the sum over pieces: the estimate counts whitespace-delimited words.
    tokens: estimateTokens(text),
    cut,
    textJson: JSON.stringify(text),
    pieces: getPieces,
    pieceTokens: () => (pieceTokens ??= getPieces().map(estimateTokens)),
  };
}

/** Share of the good answer a `truncated` answer keeps. */
const TRUNCATED_SHARE = 0.55;

function answerText(prompt: string, context: string, mode: QualityMode): { text: string; cut: boolean } {
  if (mode === 'refusal') return { text: refusalAnswer(), cut: false };
  const analysis = analyseQuery(prompt, context);
  switch (mode) {
    case 'off_topic':
      return { text: offTopicAnswer(analysis), cut: false };
    case 'hedging':
      return { text: hedgingAnswer(analysis), cut: false };
    case 'no_code':
      return { text: researchAnswer(analysis, false), cut: false };
    case 'truncated': {
      const pieces = splitPieces(researchAnswer(analysis, true));
      return { text: pieces.slice(0, Math.max(1, Math.floor(pieces.length * TRUNCATED_SHARE))).join(''), cut: true };
    }
    case 'good':
      return { text: researchAnswer(analysis, true), cut: false };
  }
}

export interface AnswerGenerator {
  /** `prompt` is the last user message; `context` the system prompt. Same input, same answer. */
  answer(prompt: string, context: string, mode: QualityMode): Answer;
}

/** Generates answers with an LRU in front, so repeated prompts cost a map lookup. */
export function createAnswerGenerator(options: { cacheSize?: number } = {}): AnswerGenerator {
  const cache = new LRUCache<string, Answer>({ max: options.cacheSize ?? 2000 });
  return {
    answer(prompt, context, mode) {
      const key = `${mode}\u0000${context}\u0000${prompt}`;
      let answer = cache.get(key);
      if (answer === undefined) {
        const { text, cut } = answerText(prompt, context, mode);
        answer = toAnswer(text, cut);
        cache.set(key, answer);
      }
      return answer;
    },
  };
}
