import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../core/chat.js';

/** What a provider can do; code outside `providers/` asks this, never the provider's name. */
export interface ProviderCapabilities {
  streaming: boolean;
  embeddings: boolean;
}

export interface CallOptions {
  /** Aborts the call (client went away, shutdown). */
  signal?: AbortSignal;
}

/**
 * The port every outbound LLM provider implements. Implementations throw `ProviderError`
 * (core/errors.ts) with an `errorClass` and `retryable` flag; they never leak API keys in
 * messages. Every stateful provider has `close()`.
 */
export interface Provider {
  /** Configured name, e.g. `openai`, `claude`, `local-ollama`. */
  readonly name: string;
  readonly kind: 'openai' | 'anthropic' | 'gemini' | 'openai_compatible';
  readonly capabilities: ProviderCapabilities;
  /** True when this provider talks to the built-in simulator rather than a real API. */
  readonly simulated: boolean;
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** Text parts then one finish part; throws `stream_broken` if the stream breaks mid-answer. */
  stream(request: ChatRequest, options?: CallOptions): AsyncIterable<StreamPart>;
  embed?(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult>;
  close(): Promise<void>;
}
