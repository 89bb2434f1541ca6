import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult } from '../../core/chat.js';
import { errorClassForStatus, type ProviderErrorClass } from '../../core/errors.js';
import { estimateTokens } from '../token-estimate.js';
import type { HttpRequestSpec, ParsedWireError, WireFormat, WireTarget } from '../wire-format.js';
import {
  asArray,
  asRecord,
  asString,
  clipMessage,
  mapFinishReason,
  parseDurationMs,
  tryParseJson,
  wireError,
} from '../wire-support.js';
import { GEMINI_FINISH_REASONS, candidateText, candidateToolCalls, geminiUsage, isPromptBlocked } from './gemini-json.js';
import { geminiConversation, geminiGenerationConfig, geminiTools } from './gemini-request.js';
import { createGeminiStreamDecoder } from './gemini-stream-decoder.js';

/**
 * Gemini API (https://ai.google.dev/api/generate-content): `POST /v1beta/models/{model}:
 * generateContent`, `:streamGenerateContent?alt=sse` and `:batchEmbedContents`, key in
 * `x-goog-api-key`. The target's base URL is the origin (`https://generativelanguage.googleapis.com`),
 * as `httpOptions.baseUrl` is in the official SDK.
 */

export const GEMINI_API_VERSION = 'v1beta';

/** `models/gemini-2.0-flash` and `gemini-2.0-flash` name the same model. */
export function geminiModelPath(model: string): string {
  return `/${GEMINI_API_VERSION}/models/${encodeURIComponent(model.replace(/^models\//, ''))}`;
}

function headers(target: WireTarget, accept: string): Record<string, string> {
  if (target.apiKey === undefined || target.apiKey === '') {
    throw wireError('gemini', 'auth', 'gemini: no API key configured');
  }
  return { 'content-type': 'application/json', accept, 'x-goog-api-key': target.apiKey };
}

function buildChatRequest(request: ChatRequest, target: WireTarget, stream: boolean): HttpRequestSpec {
  // Gemini has no end-user id field: `user` stays with Fortitude's own accounting.
  const body: Record<string, unknown> = { ...geminiConversation(request), ...geminiTools(request) };
  const config = geminiGenerationConfig(request);
  if (config !== undefined) body.generationConfig = config;
  return {
    method: 'POST',
    path: `${geminiModelPath(request.model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: headers(target, stream ? 'text/event-stream' : 'application/json'),
    body: JSON.stringify(body),
  };
}

function parseChatResponse(body: unknown, provider: string): ChatResult {
  const root = asRecord(body);
  if (root === undefined) throw wireError(provider, 'server', `${provider}: response is not an object`);
  if (root.error !== undefined) {
    throw wireError(provider, 'server', `${provider}: ${asString(asRecord(root.error)?.message) ?? 'error'}`);
  }
  const candidate = asRecord(asArray(root.candidates)?.[0]);
  if (candidate === undefined && !isPromptBlocked(root)) {
    throw wireError(provider, 'server', `${provider}: response has no candidates`);
  }
  const text = candidateText(candidate);
  const toolCalls = candidateToolCalls(candidate, 0);
  let finishReason =
    candidate === undefined ? 'content_filter' : mapFinishReason(asString(candidate.finishReason), GEMINI_FINISH_REASONS);
  // Gemini reports STOP after function calls; callers expect the OpenAI-style tool_calls.
  if (toolCalls.length > 0 && finishReason === 'stop') finishReason = 'tool_calls';
  return {
    id: asString(root.responseId) ?? '',
    model: asString(root.modelVersion) ?? '',
    text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    finishReason,
    usage: geminiUsage(asRecord(root.usageMetadata)) ?? { inputTokens: 0, outputTokens: estimateTokens(text) },
  };
}

function buildEmbeddingRequest(request: EmbeddingRequest, target: WireTarget): HttpRequestSpec {
  const model = `models/${request.model.replace(/^models\//, '')}`;
  return {
    method: 'POST',
    path: `${geminiModelPath(request.model)}:batchEmbedContents`,
    headers: headers(target, 'application/json'),
    body: JSON.stringify({
      requests: request.input.map((text) => ({
        model,
        content: { parts: [{ text }] },
        ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
      })),
    }),
  };
}

function parseEmbeddingResponse(body: unknown, request: EmbeddingRequest, provider: string): EmbeddingResult {
  const embeddings = asArray(asRecord(body)?.embeddings);
  if (embeddings === undefined || embeddings.length !== request.input.length) {
    throw wireError(provider, 'server', `${provider}: embedding response does not match the ${request.input.length} inputs`);
  }
  const vectors = embeddings.map((item, index) => {
    const values = asArray(asRecord(item)?.values);
    if (values === undefined) throw wireError(provider, 'server', `${provider}: malformed embedding at position ${index}`);
    return values as number[];
  });
  // batchEmbedContents reports no usage.
  const inputTokens = request.input.reduce((sum, text) => sum + estimateTokens(text), 0);
  return { model: request.model, vectors, usage: { inputTokens } };
}

/**
 * `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}`, sometimes
 * wrapped in an array. A bad key is a 400 `INVALID_ARGUMENT` with reason `API_KEY_INVALID`, so
 * it is mapped to `auth` here; `RetryInfo.retryDelay` becomes `retryAfterMs`.
 */
function parseError(status: number, body: string): ParsedWireError {
  let parsed = tryParseJson(body);
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = asRecord(asRecord(parsed)?.error);
  const message = asString(error?.message) ?? (body.trim() || `HTTP ${status}`);
  let errorClass: ProviderErrorClass = errorClassForStatus(status);
  let retryAfterMs: number | undefined;
  for (const detail of asArray(error?.details) ?? []) {
    const record = asRecord(detail);
    if (record?.reason === 'API_KEY_INVALID') errorClass = 'auth';
    const delay = asString(record?.retryDelay);
    if (delay !== undefined) retryAfterMs = parseDurationMs(delay);
  }
  if (status === 400 && /API key not valid/i.test(message)) errorClass = 'auth';
  const code = asString(error?.status);
  return {
    errorClass,
    message: clipMessage(message),
    ...(code === undefined ? {} : { providerCode: code }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

export const geminiWire: WireFormat = {
  name: 'gemini',
  buildChatRequest: (request, target, options) => buildChatRequest(request, target, options.stream),
  parseChatResponse: (body, context) => parseChatResponse(body, context?.provider ?? 'gemini'),
  createStreamDecoder: (request, context) => createGeminiStreamDecoder(request, context?.provider ?? 'gemini'),
  buildEmbeddingRequest,
  parseEmbeddingResponse: (body, request, context) => parseEmbeddingResponse(body, request, context?.provider ?? 'gemini'),
  parseError,
};
