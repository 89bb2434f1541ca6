import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, FinishReason } from '../../core/chat.js';
import { errorClassForStatus, type ProviderErrorClass } from '../../core/errors.js';
import { estimateTokens } from '../token-estimate.js';
import type { HttpRequestSpec, ParsedWireError, WireFormat, WireTarget } from '../wire-format.js';
import {
  asArray,
  asNumber,
  asRecord,
  asString,
  clipMessage,
  mapFinishReason,
  tryParseJson,
  wireError,
} from '../wire-support.js';
import { OPENAI_FINISH_REASONS, messageText, openAiRequestExtras, parseToolCalls, toOpenAiMessage } from './openai-json.js';
import { createOpenAiStreamDecoder } from './openai-stream-decoder.js';

/**
 * The OpenAI Chat Completions JSON, shared by the OpenAI wire and the OpenAI-compatible wire
 * (Ollama, vLLM, LM Studio, llama.cpp). The differences are a few switches in `OpenAiDialect`.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */
export interface OpenAiDialect {
  name: 'openai' | 'openai_compatible';
  /** OpenAI proper requires a key; local servers usually ignore it. */
  requireApiKey: boolean;
  /**
   * OpenAI deprecated `max_tokens` for `max_completion_tokens` (reasoning models reject the
   * old name); most compatible servers only know `max_tokens`.
   */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** OpenAI's SDK default; compatible servers do not all support base64 embeddings. */
  embeddingEncoding: 'base64' | 'float';
  /** Finish reason when a stream ends with `[DONE]` but never sent one. */
  finishWithoutReason: FinishReason;
}

export function createOpenAiStyleWire(dialect: OpenAiDialect): WireFormat {
  return {
    name: dialect.name,
    buildChatRequest: (request, target, options) => buildChatRequest(dialect, request, target, options.stream),
    parseChatResponse: (body, context) => parseChatResponse(body, context?.provider ?? dialect.name),
    createStreamDecoder: (request, context) =>
      createOpenAiStreamDecoder(request, context?.provider ?? dialect.name, dialect.finishWithoutReason),
    buildEmbeddingRequest: (request, target) => buildEmbeddingRequest(dialect, request, target),
    parseEmbeddingResponse: (body, request, context) =>
      parseEmbeddingResponse(body, request, context?.provider ?? dialect.name),
    parseError: (status, body) => parseOpenAiError(status, body),
  };
}

function headers(dialect: OpenAiDialect, target: WireTarget, accept: string): Record<string, string> {
  const result: Record<string, string> = { 'content-type': 'application/json', accept };
  if (target.apiKey !== undefined && target.apiKey !== '') {
    result.authorization = `Bearer ${target.apiKey}`;
  } else if (dialect.requireApiKey) {
    throw wireError(dialect.name, 'auth', `${dialect.name}: no API key configured`);
  }
  return result;
}

function buildChatRequest(
  dialect: OpenAiDialect,
  request: ChatRequest,
  target: WireTarget,
  stream: boolean,
): HttpRequestSpec {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map(toOpenAiMessage),
  };
  openAiRequestExtras(request, body);
  if (request.maxTokens !== undefined) body[dialect.maxTokensField] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (stream) {
    body.stream = true;
    // Without this OpenAI sends no usage at all in streams.
    body.stream_options = { include_usage: true };
  }
  return {
    method: 'POST',
    path: '/chat/completions',
    headers: headers(dialect, target, stream ? 'text/event-stream' : 'application/json'),
    body: JSON.stringify(body),
  };
}

function parseChatResponse(body: unknown, provider: string): ChatResult {
  const root = asRecord(body);
  if (root?.error !== undefined) {
    const parsed = describeOpenAiError(root);
    throw wireError(provider, 'server', `${provider}: ${parsed.message}`);
  }
  const choice = asRecord(asArray(root?.choices)?.[0]);
  const message = asRecord(choice?.message);
  if (root === undefined || choice === undefined || message === undefined) {
    throw wireError(provider, 'server', `${provider}: response has no choices`);
  }
  const text = messageText(message.content) || (asString(message.refusal) ?? '');
  const toolCalls = parseToolCalls(message.tool_calls);
  const usage = asRecord(root.usage);
  return {
    id: asString(root.id) ?? '',
    model: asString(root.model) ?? '',
    text,
    ...(toolCalls ? { toolCalls } : {}),
    finishReason: mapFinishReason(asString(choice.finish_reason) || undefined, OPENAI_FINISH_REASONS),
    usage: {
      inputTokens: asNumber(usage?.prompt_tokens) ?? 0,
      // Some compatible servers omit usage; an estimate beats a zero for budgets and limits.
      outputTokens: asNumber(usage?.completion_tokens) ?? estimateTokens(text),
    },
  };
}

function buildEmbeddingRequest(dialect: OpenAiDialect, request: EmbeddingRequest, target: WireTarget): HttpRequestSpec {
  return {
    method: 'POST',
    path: '/embeddings',
    headers: headers(dialect, target, 'application/json'),
    body: JSON.stringify({
      model: request.model,
      input: request.input,
      encoding_format: dialect.embeddingEncoding,
      ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    }),
  };
}

/** Decodes OpenAI's base64 embedding: little-endian float32 values. */
export function decodeBase64Floats(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const values = new Array<number>(bytes.length >> 2);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}

function parseEmbeddingResponse(body: unknown, request: EmbeddingRequest, provider: string): EmbeddingResult {
  const root = asRecord(body);
  const data = asArray(root?.data);
  if (root === undefined || data === undefined || data.length !== request.input.length) {
    throw wireError(provider, 'server', `${provider}: embedding response does not match the ${request.input.length} inputs`);
  }
  const vectors: number[][] = new Array<number[]>(data.length);
  data.forEach((item, position) => {
    const record = asRecord(item);
    const index = asNumber(record?.index) ?? position;
    const embedding = record?.embedding;
    const vector = typeof embedding === 'string' ? decodeBase64Floats(embedding) : (asArray(embedding) as number[] | undefined);
    if (vector === undefined || index < 0 || index >= data.length) {
      throw wireError(provider, 'server', `${provider}: malformed embedding at position ${position}`);
    }
    vectors[index] = vector;
  });
  const usage = asRecord(root.usage);
  let inputTokens = asNumber(usage?.prompt_tokens);
  if (inputTokens === undefined) inputTokens = request.input.reduce((sum, text) => sum + estimateTokens(text), 0);
  return { model: asString(root.model) ?? request.model, vectors, usage: { inputTokens } };
}

interface DescribedError {
  message: string;
  code?: string;
}

/**
 * Reads the error shapes OpenAI and compatible servers use:
 * OpenAI `{"error":{"message","type","param","code"}}`, Ollama `{"error":"…"}`,
 * vLLM `{"object":"error","message","type","code"}`, FastAPI `{"detail":"…"|[{msg}]}`.
 */
function describeOpenAiError(root: Record<string, unknown>): DescribedError {
  const error = root.error;
  if (typeof error === 'string') return { message: error };
  const record = asRecord(error);
  if (record !== undefined) {
    const code = asString(record.code) ?? asString(record.type);
    return { message: asString(record.message) ?? 'unknown error', ...(code === undefined ? {} : { code }) };
  }
  const detail = root.detail;
  if (typeof detail === 'string') return { message: detail };
  const first = asRecord(asArray(detail)?.[0]);
  if (first !== undefined) return { message: asString(first.msg) ?? 'invalid request' };
  const message = asString(root.message);
  if (message !== undefined) {
    const code = asString(root.type);
    return { message, ...(code === undefined ? {} : { code }) };
  }
  return { message: 'unknown error' };
}

export function parseOpenAiError(status: number, body: string): ParsedWireError {
  const root = asRecord(tryParseJson(body));
  const described = root === undefined ? { message: body.trim() || `HTTP ${status}` } : describeOpenAiError(root);
  let errorClass: ProviderErrorClass = errorClassForStatus(status);
  const code = (described as DescribedError).code;
  // Exhausted credit is an account problem, not a transient limit: retrying cannot help.
  if (code === 'insufficient_quota') errorClass = 'auth';
  if (code === 'content_filter' || code === 'content_policy_violation') errorClass = 'content_filter';
  return {
    errorClass,
    message: clipMessage(described.message),
    ...(code === undefined ? {} : { providerCode: code }),
  };
}
