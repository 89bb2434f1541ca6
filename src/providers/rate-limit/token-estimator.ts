import type { ChatRequest } from '../../core/chat.js';
import { estimateTokens as fastEstimate } from '../../wire/token-estimate.js';

/**
 * Messages longer than this (characters) are estimated by the fast heuristic. Counting is
 * exact below it; the rate limiter corrects every estimate with the reported usage anyway.
 */
export const TOKENIZE_MAX_CHARS = 16_000;
/** Per-message and reply-priming overhead of the chat format (OpenAI cookbook, cl100k_base). */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** Distinct pre-tokenized pieces remembered; the table is dropped when it grows past this. */
const PIECE_CACHE_MAX = 200_000;
/**
 * cl100k_base's pre-tokenization pattern (tiktoken's `pat_str`): byte-pair merging runs on each
 * match independently, so counts can be summed piece by piece.
 */
const CL100K_PIECES = String.raw`('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/** Text containing `<|endoftext|>` and friends is counted as text, never rejected. */
const NO_SPECIAL_TOKENS = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** The cl100k_base encoder: `encode(text)` → token ids. */
export interface Cl100kEncoder {
  encode(text: string): number[];
}

interface Tokenizer {
  encoder: Cl100kEncoder;
  splitter: RegExp;
  /** Tokens per piece. Words repeat across prompts, so most pieces cost one Map lookup. */
  pieces: Map<string, number>;
}

let tokenizer: Tokenizer | undefined;
let loading: Promise<Cl100kEncoder> | undefined;

/**
 * Loads the cl100k_base encoder once (gpt-tokenizer: about 10 MB of heap, a third of what
 * js-tiktoken's tables took). Until it is ready `estimateChatTokens` uses the fast heuristic,
 * so no request ever waits for it.
 */
export function loadTokenizer(): Promise<Cl100kEncoder> {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((cl100k) => {
    const encoder: Cl100kEncoder = { encode: (text) => cl100k.encode(text, NO_SPECIAL_TOKENS) };
    tokenizer = { encoder, splitter: new RegExp(CL100K_PIECES, 'gu'), pieces: new Map() };
    return encoder;
  });
  return loading;
}

/**
 * Exact cl100k_base count, piece by piece. The encoder alone costs tenths of a µs per character
 * on a long text; with the piece table a typical prompt costs a few µs.
 */
function countText(text: string): number {
  if (!tokenizer) {
    void loadTokenizer().catch(() => undefined);
    return fastEstimate(text);
  }
  if (text.length > TOKENIZE_MAX_CHARS) return fastEstimate(text);
  return countPieces(tokenizer, text);
}

/**
 * The pattern's matches tile the text (every character is a letter, a number, whitespace or
 * something else, and each kind has an alternative), so a piece runs from the end of the previous
 * match to `lastIndex`: `test` finds it without the match array `exec` builds (2.4 KB → 0.4 KB
 * allocated for a two-message prompt).
 */
function countPieces({ encoder, splitter, pieces }: Tokenizer, text: string): number {
  let tokens = 0;
  splitter.lastIndex = 0;
  for (let start = 0; splitter.test(text); start = splitter.lastIndex) {
    const piece = text.slice(start, splitter.lastIndex);
    let count = pieces.get(piece);
    if (count === undefined) {
      count = encoder.encode(piece).length;
      if (pieces.size >= PIECE_CACHE_MAX) pieces.clear();
      pieces.set(piece, count);
    }
    tokens += count;
  }
  return tokens;
}

/**
 * A generous prompt-token estimate that needs no tokenizer, for where a limit cannot bind soon
 * (the rate limiter far from `tokens_per_minute`, the budget far below its thresholds): per
 * message the larger of the word-based estimate and a third of its UTF-8 bytes. cl100k_base
 * tokens average about 4 bytes of English and 3 of code, and a CJK character is 3 bytes and about
 * one token, so this stays at or above the exact count for nearly every text (bench/token-estimate.ts
 * measures how far); the reported usage corrects it when the call settles.
 */
export function roughChatTokens(request: ChatRequest): number {
  let tokens = REPLY_PRIMING;
  for (const message of request.messages) {
    const content = message.content;
    tokens += PER_MESSAGE + Math.max(fastEstimate(content), Math.ceil(Buffer.byteLength(content) / 3));
  }
  return tokens;
}

/**
 * Prompt tokens of a chat request before it is sent: cl100k_base for messages up to
 * `TOKENIZE_MAX_CHARS` once the encoder is loaded, the fast word-based estimate otherwise.
 * Nothing but the piece table is remembered: a provider call counts its prompt once and shares the
 * count (`providers/prompt-tokens.ts`).
 */
export function estimateChatTokens(request: ChatRequest): number {
  let tokens = REPLY_PRIMING;
  for (const message of request.messages) tokens += PER_MESSAGE + countText(message.content);
  return tokens;
}
