import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderKind } from '../../provider-kinds.js';
import type { StreamUsageStyle } from '../simulator-profile.js';

/**
 * The server side of one wire format: how the simulator routes, validates and answers like
 * the real API. Renderers return finished strings so the hot path writes without re-parsing.
 */

/** The simulator speaks one format per provider kind (`providers/<kind>/`'s `simulator`). */
export type SimulatorFormat = ProviderKind;

export interface SimMessage {
  /** `tool`: a tool result (Anthropic `tool_result` blocks and Gemini `functionResponse` parts become their own messages). */
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  /** assistant: the tool calls it made. */
  toolCalls?: SimToolCall[];
  /** tool: the call it answers (OpenAI, Anthropic). */
  toolCallId?: string;
  /** tool: the function's name, where the format says it (Gemini). */
  name?: string;
  /** user: how many images and files came with the text. */
  attachments?: number;
}

/** A tool call the model makes or made; `arguments` is JSON text. Gemini calls have no id (''). */
export interface SimToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SimTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (Gemini's subset is JSON Schema too, types in any case). */
  parameters: Record<string, unknown>;
}

export type SimToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type SimResponseFormat = { type: 'json_object' } | { type: 'json_schema'; schema: Record<string, unknown> };

/** What a plain chat call without tools or formats carries; each format's parser spreads it. */
export const NO_TOOLS: Pick<ChatCall, 'tools' | 'toolChoice' | 'parallelToolCalls'> = Object.freeze({
  tools: [],
  toolChoice: 'auto',
  parallelToolCalls: true,
});

export interface ChatCall {
  model: string;
  /** System prompts included, in order. */
  messages: SimMessage[];
  maxTokens: number | undefined;
  stop: string[];
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  /** OpenAI-style formats: where a stream puts usage (the profile may override the format's default). */
  usageStyle: StreamUsageStyle;
  tools: SimTool[];
  toolChoice: SimToolChoice;
  /** False: at most one tool call per answer. */
  parallelToolCalls: boolean;
  responseFormat?: SimResponseFormat;
}

export interface EmbedCall {
  model: string;
  inputs: string[];
  /** Resolved: requested, or the model's default size. */
  dimensions: number;
  encoding: 'float' | 'base64';
}

export type FinishKind = 'stop' | 'length' | 'stop_sequence' | 'content_filter' | 'tool_calls';

/** One generated answer, after `max_tokens` and stop sequences were applied. */
export interface Completion {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  text: string;
  /** `JSON.stringify(text)`. */
  textJson: string;
  /** Stream deltas, computed on first call; joined they are `text`. */
  pieces(): readonly string[];
  finish: FinishKind;
  /** The answer is these calls (finish `tool_calls`, text empty). */
  toolCalls: readonly SimToolCall[];
  stopSequence: string | undefined;
  inputTokens: number;
  outputTokens: number;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Operation =
  | { kind: 'chat'; stream: boolean; model?: string; sse: boolean }
  | { kind: 'embed'; model?: string; single: boolean }
  | { kind: 'models'; id?: string }
  | { kind: 'count_tokens'; model?: string };

export type ErrorKind =
  | 'missing_key'
  | 'invalid_key'
  | 'server_error'
  | 'unavailable'
  | 'overloaded'
  | 'rate_limit'
  | 'model_not_found'
  | 'bad_request'
  | 'unknown_route'
  | 'invalid_json'
  | 'too_large';

export interface ErrorDetail {
  message?: string;
  param?: string;
  code?: string;
  model?: string;
  method?: string;
  path?: string;
  retryAfterSeconds?: number;
  /** Requests-per-minute limit to announce in rate-limit headers. */
  limit?: number;
}

/** How a stream is written: events before the text, one per text group, after the text. */
export interface StreamRenderer {
  contentType: string;
  /** Pieces (words) per text event: 1 for token-by-token formats, more for Gemini's chunks. */
  groupSize: number;
  head(call: ChatCall, completion: Completion): string;
  delta(call: ChatCall, completion: Completion, text: string): string;
  tail(call: ChatCall, completion: Completion): string;
  /** For an answer made of tool calls: the events that carry them, in place of the text events. */
  toolCallEvents(call: ChatCall, completion: Completion): string[];
  /** The format's in-stream error event. */
  error(completion: Completion): string;
}

export interface SimFormat {
  readonly kind: SimulatorFormat;
  /** Path after the provider prefix, without query string. */
  route(method: string, path: string, query: URLSearchParams): Operation | undefined;
  /** Whether a request without any key is refused (local OpenAI-compatible servers do not). */
  readonly requiresKey: boolean;
  hasKey(headers: IncomingHttpHeaders, query: URLSearchParams): boolean;
  /** Headers the API requires besides the key (Anthropic's `anthropic-version`). */
  checkHeaders(headers: IncomingHttpHeaders): SimResponse | undefined;
  parseChat(body: unknown, operation: Extract<Operation, { kind: 'chat' }>): ChatCall | SimResponse;
  parseEmbed(body: unknown, operation: Extract<Operation, { kind: 'embed' }>): EmbedCall | SimResponse;
  chatJson(call: ChatCall, completion: Completion): string;
  readonly stream: StreamRenderer;
  /** Gemini streams without `alt=sse`: the chunks as one JSON array. */
  streamAsJsonArray?(call: ChatCall, completion: Completion): string;
  embedJson(call: EmbedCall, vectors: readonly Float32Array[], inputTokens: number, single: boolean): string;
  countTokensJson(tokens: number): string;
  models(operation: Extract<Operation, { kind: 'models' }>): SimResponse;
  error(kind: ErrorKind, detail?: ErrorDetail): SimResponse;
  /** Prefix for generated response ids (`chatcmpl-`, `msg_`, …). */
  readonly idPrefix: string;
  /** Prefix for generated tool call ids (`call_`, `toolu_`); undefined when the API gives calls no id (Gemini). */
  readonly toolCallIdPrefix?: string;
}

export function isSimResponse(value: unknown): value is SimResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Text of an OpenAI/Anthropic content field: a string, or an array of `{type:"text", text}`. */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const part of content) {
    if (typeof part !== 'object' || part === null) return undefined;
    const record = part as Record<string, unknown>;
    if (record.type === 'text' && typeof record.text === 'string') text += record.text;
  }
  return text;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
