/**
 * Fortitude's own language for talking to a language model. Every wire format
 * (OpenAI, Anthropic, Gemini, OpenAI-compatible) translates to and from these types in
 * `src/wire/<format>/`; nothing outside `wire/` and `providers/` sees provider JSON.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  /** Model name as the provider knows it (e.g. `gpt-4o-mini`, `claude-3-haiku-20240307`). */
  model: string;
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  /** Caller identity for per-user accounting; never sent upstream as a secret. */
  user?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Why generation stopped, normalised across providers. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

export interface ChatResult {
  /** Provider-assigned id of the response, when there is one. */
  id: string;
  model: string;
  text: string;
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * One part of a streamed answer. A stream is a sequence of `text` parts followed by exactly one
 * `finish` part; a stream that breaks mid-answer throws (a `ProviderError`) instead of finishing.
 */
export type StreamPart =
  | { type: 'text'; text: string }
  | { type: 'finish'; id: string; model: string; finishReason: FinishReason; usage: Usage };

export interface EmbeddingRequest {
  model: string;
  input: string[];
}

export interface EmbeddingResult {
  model: string;
  /** One vector per input, in input order. */
  vectors: number[][];
  usage: { inputTokens: number };
}
