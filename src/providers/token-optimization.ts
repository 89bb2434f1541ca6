import type { ChatMessage, ChatRequest } from '../core/chat.js';
import { rewriteRequests } from './request-layer.js';
import { estimateTokens, MESSAGE_OVERHEAD_TOKENS } from '../wire/token-estimate.js';

/** A provider's token limits (the seed's `token_optimization`). */
export interface TokenOptimizationOptions {
  /** Prompt tokens at most; the middle of the longest messages is cut to fit. */
  maxInputTokens?: number | undefined;
  /** Caps the request's `maxTokens`. */
  maxOutputTokens?: number | undefined;
  /** Collapse whitespace outside code fences. */
  compressContext?: boolean | undefined;
}

export interface OptimizedRequest {
  request: ChatRequest;
  inputTokensBefore: number;
  inputTokensAfter: number;
  /** Messages whose middle was cut to fit `maxInputTokens`. */
  truncatedMessages: number;
  compressed: boolean;
}

/** Tokens kept at each end of a message at least, so its opening and its question survive. */
const MIN_KEEP_TOKENS = 32;
const OMISSION = (tokens: number) => `\n[… ${tokens} tokens omitted …]\n`;

/**
 * Applies a provider's token limits: `compressContext` collapses whitespace (code fences keep
 * their indentation), `maxInputTokens` cuts the middle out of the longest messages until the
 * prompt fits (the start and end of a message carry the framing and the question),
 * `maxOutputTokens` caps `maxTokens`. The original request is not modified.
 */
export function optimizeTokens(
  request: ChatRequest,
  options: TokenOptimizationOptions,
  estimate: (text: string) => number = estimateTokens,
): OptimizedRequest {
  const count = (messages: readonly ChatMessage[]) => messages.reduce((sum, message) => sum + estimate(message.content) + MESSAGE_OVERHEAD_TOKENS, 0);
  let messages = request.messages.map((message) => ({ ...message }));
  const inputTokensBefore = count(messages);
  const compressed = options.compressContext === true;
  if (compressed) messages = messages.map((message) => ({ ...message, content: compressWhitespace(message.content) }));

  let truncatedMessages = 0;
  const limit = options.maxInputTokens;
  if (limit !== undefined) {
    const cut = new Set<number>();
    for (let round = 0; round < messages.length * 2; round++) {
      const excess = count(messages) - limit;
      if (excess <= 0) break;
      const sizes = messages.map((message) => estimate(message.content));
      let longest = -1;
      for (let index = 0; index < sizes.length; index++) {
        if (sizes[index]! > 2 * MIN_KEEP_TOKENS + 8 && (longest < 0 || sizes[index]! > sizes[longest]!)) longest = index;
      }
      if (longest < 0) break;
      const target = Math.max(2 * MIN_KEEP_TOKENS, sizes[longest]! - excess - estimate(OMISSION(excess)));
      const message = messages[longest]!;
      messages[longest] = { ...message, content: cutMiddle(message.content, target, estimate) };
      cut.add(longest);
    }
    truncatedMessages = cut.size;
  }

  const cap = options.maxOutputTokens;
  const maxTokens = cap === undefined ? request.maxTokens : Math.min(request.maxTokens ?? cap, cap);
  const optimized: ChatRequest = { ...request, messages };
  if (maxTokens !== undefined) optimized.maxTokens = maxTokens;
  return { request: optimized, inputTokensBefore, inputTokensAfter: count(messages), truncatedMessages, compressed };
}

/** Keeps about `keepTokens` (half from the start, half from the end, on word boundaries). */
export function cutMiddle(text: string, keepTokens: number, estimate: (text: string) => number = estimateTokens): string {
  const parts = text.split(/(\s+)/);
  const half = Math.floor(keepTokens / 2);
  let head = 0;
  let headTokens = 0;
  while (head < parts.length && headTokens + estimate(parts[head]!) <= half) headTokens += estimate(parts[head++]!);
  let tail = parts.length;
  let tailTokens = 0;
  while (tail > head && tailTokens + estimate(parts[tail - 1]!) <= keepTokens - headTokens) tailTokens += estimate(parts[--tail]!);
  if (tail <= head) return text;
  const omitted = estimate(parts.slice(head, tail).join(''));
  return `${parts.slice(0, head).join('').trimEnd()}${OMISSION(omitted)}${parts.slice(tail).join('').trimStart()}`;
}

/**
 * Collapses runs of spaces and tabs, trailing spaces and runs of blank lines outside fenced code;
 * inside fences only trailing spaces and blank-line runs go (indentation can be syntax).
 */
export function compressWhitespace(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let inFence = false;
  let blank = 0;
  for (const raw of lines) {
    const fence = /^\s*(```|~~~)/.test(raw);
    let line = raw.replace(/[ \t]+$/, '');
    if (!inFence && !fence) line = line.replace(/[ \t]+/g, ' ').trimStart();
    if (fence) inFence = !inFence;
    if (line === '') {
      blank += 1;
      if (blank > 1) continue;
    } else blank = 0;
    out.push(line);
  }
  return out.join('\n').trim();
}

/**
 * Provider layer: the provider's `token_optimization` applied to every chat request before the
 * stack below sees it (so rate limits and the wire count the optimised prompt). Requests that
 * need no change pass through as they are.
 */
export function withTokenOptimization(options: TokenOptimizationOptions) {
  const apply = (request: ChatRequest): ChatRequest => {
    if (options.maxInputTokens === undefined && options.compressContext !== true) {
      const cap = options.maxOutputTokens;
      if (cap === undefined || (request.maxTokens !== undefined && request.maxTokens <= cap)) return request;
      return { ...request, maxTokens: Math.min(request.maxTokens ?? cap, cap) };
    }
    return optimizeTokens(request, options).request;
  };
  return rewriteRequests({ chat: apply });
}
