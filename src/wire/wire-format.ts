import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../core/chat.js';
import type { ProviderErrorClass } from '../core/errors.js';

/**
 * A wire format is a pure translation between Fortitude's core types and one provider API's
 * JSON. It does no I/O: `providers/http-transport.ts` sends what `buildChatRequest` returns and
 * feeds back what it receives. One implementation per folder under `src/wire/`.
 */

export interface WireTarget {
  /** Origin plus optional base path, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Secret; goes into a header only, never into errors or logs. */
  apiKey?: string;
}

/** One request to send, built afresh for every call: the transport completes its headers in place. */
export interface HttpRequestSpec {
  method: 'POST' | 'GET';
  /** Path appended to the base URL's path, with query string if any (e.g. `/chat/completions`). */
  path: string;
  /** Owned by this request (the transport adds `accept-encoding` and `content-encoding` to it). */
  headers: Record<string, string>;
  /** JSON body, already serialised. */
  body?: string;
}

export interface ParsedWireError {
  errorClass: ProviderErrorClass;
  /** Provider's message, safe to show (the transport strips anything that looks like a key). */
  message: string;
  /** Provider's own error type/code string when present (e.g. `rate_limit_error`). */
  providerCode?: string;
  /**
   * Server-requested wait found in the error body itself (Gemini's `google.rpc.RetryInfo`
   * `retryDelay`), in ms. Header-based waits (`retry-after`) are the transport's job.
   */
  retryAfterMs?: number;
}

/** Optional context for decoders, so the errors they throw name the configured provider. */
export interface WireContext {
  /** Configured provider name (e.g. `local-ollama`); defaults to the format's name. */
  provider?: string;
}

/** One server-sent event as framed by `wire/sse.ts`. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/**
 * Stateful per-stream decoder: providers spread usage and finish reasons over several events,
 * so each stream gets its own decoder. `push` returns the parts this event completes; `end`
 * is called when the byte stream ends and returns the final parts — it throws a
 * `stream_broken` ProviderError when the provider never signalled completion.
 */
export interface StreamDecoder {
  push(event: SseEvent): StreamPart[];
  end(): StreamPart[];
}

export interface WireFormat {
  /** The format's name, for messages (provider kinds name their wire format, not the reverse). */
  readonly name: string;
  buildChatRequest(request: ChatRequest, target: WireTarget, options: { stream: boolean }): HttpRequestSpec;
  /** Throws a ProviderError when the body is not a usable response (e.g. no choices). */
  parseChatResponse(body: unknown, context?: WireContext): ChatResult;
  createStreamDecoder(request: ChatRequest, context?: WireContext): StreamDecoder;
  /** Undefined when the format has no embeddings endpoint (Anthropic). */
  buildEmbeddingRequest?(request: EmbeddingRequest, target: WireTarget): HttpRequestSpec;
  parseEmbeddingResponse?(body: unknown, request: EmbeddingRequest, context?: WireContext): EmbeddingResult;
  /** Maps a non-2xx response to an error class and message. */
  parseError(status: number, body: string): ParsedWireError;
}
