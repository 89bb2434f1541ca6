import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../core/chat.js';
import type { ProviderErrorClass } from '../core/errors.js';
import type { CancelSignal } from './cancel-signal.js';
import type { PromptTokens } from './prompt-tokens.js';
import type { ProviderKind } from './provider-kinds.js';

/** What a provider can do; code outside `providers/` asks this, never the provider's name. */
export interface ProviderCapabilities {
  streaming: boolean;
  embeddings: boolean;
}

/** One try against one provider, as recorded by the provider stack. */
export interface AttemptRecord {
  provider: string;
  /** `ok`, or how the try failed. */
  outcome: 'ok' | ProviderErrorClass;
  /** HTTP status when the provider answered one. */
  status?: number;
  /** From the start of the try to its answer (first streamed part for streams) or failure. */
  latencyMs: number;
}

/**
 * Filled in by the provider stack while a call runs, so the caller can report which provider
 * answered (`x-fortitude-provider`) and every attempt. For streams `provider` is set before the
 * first part is yielded.
 */
export interface CallTrace {
  provider?: string;
  attempts: AttemptRecord[];
}

export function createCallTrace(): CallTrace {
  return { attempts: [] };
}

export interface CallOptions {
  /** Aborts the call (client went away, shutdown). */
  signal?: CancelSignal | undefined;
  /** Where the stack records attempts and the answering provider; optional. */
  trace?: CallTrace;
  /** The call's prompt-token count, shared by its consumers (counted at most once); absent: each layer counts. */
  promptTokens?: PromptTokens | undefined;
}

/**
 * How long to wait for a provider, set by the provider stack (`provider-stack.ts`) and read by
 * the fallback race (`fallback/race.ts`).
 */
export interface ProviderTiming {
  /** Longest a request led by this provider waits for an answer: every try, retry and fallback (ms). */
  readonly deadlineMs: number;
  /** How long a try may run before the next provider is started beside it (ms). */
  hedgeAfterMs(): number;
  /** A successful call's latency (streams: to the first part), in ms; feeds `hedgeAfterMs`. */
  observe(latencyMs: number): void;
  /**
   * A try of this provider was cancelled after `elapsedMs` because another provider answered
   * first. Whether that counts as a timeout (its breaker, the router, the request rows) or only as
   * a cancelled try (`provider-timing.ts` decides).
   */
  hedgeLost(elapsedMs: number): boolean;
}

/**
 * The port every outbound LLM provider implements. Implementations throw `ProviderError`
 * (core/errors.ts) with an `errorClass` and `retryable` flag; they never leak API keys in
 * messages. Every stateful provider has `close()`.
 */
export interface Provider {
  /** Configured name, e.g. `openai`, `claude`, `local-ollama`. */
  readonly name: string;
  readonly kind: ProviderKind;
  readonly capabilities: ProviderCapabilities;
  /** True when this provider talks to the built-in simulator rather than a real API. */
  readonly simulated: boolean;
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** Text parts then one finish part; throws `stream_broken` if the stream breaks mid-answer. */
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart>;
  embed?(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult>;
  /** Deadline and hedging; absent: no deadline beyond the transport's, no hedging. */
  readonly timing?: ProviderTiming | undefined;
  close(): Promise<void>;
}
