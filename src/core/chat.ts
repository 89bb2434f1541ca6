/**
 * Fortitude's own language for talking to a language model. Every wire format
 * (OpenAI, Anthropic, Gemini, OpenAI-compatible) translates to and from these types in
 * `src/wire/<format>/`; nothing outside `wire/` and `providers/` sees provider JSON.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** Rich content of a message. Text parts are also joined into `ChatMessage.content`. */
export type ContentPart =
  | { type: 'text'; text: string }
  /** An image by URL (`https:`), or inline as a `data:` URL / base64 `data` with its media type. */
  | { type: 'image'; url?: string; data?: string; mediaType?: string; detail?: 'auto' | 'low' | 'high' }
  /** A document (PDF…) inline as base64, where providers accept files. */
  | { type: 'file'; data: string; mediaType: string; filename?: string };

/** A function the model asked to call. `arguments` is the JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  /** The message's text (its text parts joined); '' for an assistant turn made only of tool calls. */
  content: string;
  /** Set when the message carries more than text (images, files); text parts included, in order. */
  parts?: ContentPart[];
  /** assistant: the tool calls it made, in order. */
  toolCalls?: ToolCall[];
  /** tool: the call this message answers. */
  toolCallId?: string;
  /** tool: the function's name (Gemini matches results by name); otherwise a participant name. */
  name?: string;
}

/** A function the model may call, its parameters as JSON Schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  /** OpenAI structured-outputs strictness for the arguments. */
  strict?: boolean;
}

/** `auto`: the model decides; `none`: no tool; `required`: some tool; `{ name }`: that tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Structured output: free text, any JSON object, or JSON matching a schema. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export interface ChatRequest {
  /** Model name as the provider knows it (e.g. `gpt-4o-mini`, `claude-3-haiku-20240307`). */
  model: string;
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  /** Caller identity for per-user accounting; never sent upstream. */
  user?: string;
  /** The client's own end-user id (OpenAI `user`), forwarded as the provider's end-user field. */
  endUser?: string;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** False: at most one tool call per turn. */
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  /** Best-effort deterministic sampling. */
  seed?: number;
  /** Return log probabilities of the output tokens (and the `topLogprobs` most likely alternatives). */
  logprobs?: boolean;
  topLogprobs?: number;
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
  /** Tool calls the model made (finish reason `tool_calls`). */
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * One part of a streamed answer. A stream is a sequence of `text` and `tool_call` parts followed
 * by exactly one `finish` part; a stream that breaks mid-answer throws (a `ProviderError`)
 * instead of finishing. A tool call arrives as pieces with the same `index`: the first names it
 * (`id`, `name`), later ones append to its `arguments` JSON text.
 */
export type StreamPart =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'finish'; id: string; model: string; finishReason: FinishReason; usage: Usage };

export interface EmbeddingRequest {
  model: string;
  input: string[];
  /** Output dimensions, for models that can shorten their embeddings. */
  dimensions?: number;
}

export interface EmbeddingResult {
  model: string;
  /** One vector per input, in input order. */
  vectors: number[][];
  usage: { inputTokens: number };
}
