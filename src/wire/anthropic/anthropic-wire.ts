import type { ChatRequest, ChatResult, FinishReason, ToolCall } from '../../core/chat.js';
import { errorClassForStatus } from '../../core/errors.js';
import type { HttpRequestSpec, ParsedWireError, WireFormat, WireTarget } from '../wire-format.js';
import {
  asArray,
  asRecord,
  asString,
  clipMessage,
  mapFinishReason,
  tryParseJson,
  wireError,
} from '../wire-support.js';
import { ANTHROPIC_STOP_REASONS, JSON_RESPONSE_TOOL, anthropicUsage } from './anthropic-json.js';
import { anthropicConversation, anthropicTools, refuseUnsupported } from './anthropic-request.js';
import { createAnthropicStreamDecoder } from './anthropic-stream-decoder.js';

/**
 * Anthropic Messages API (https://docs.anthropic.com/en/api/messages): `POST /v1/messages`
 * with `x-api-key` and `anthropic-version`. The target's base URL is the origin
 * (`https://api.anthropic.com`), as in the official SDK. No embeddings endpoint.
 */

export const ANTHROPIC_VERSION = '2023-06-01';
/** `max_tokens` is required by the API; Fortitude's requests may leave it out. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

function buildChatRequest(request: ChatRequest, target: WireTarget, stream: boolean): HttpRequestSpec {
  if (target.apiKey === undefined || target.apiKey === '') {
    throw wireError('anthropic', 'auth', 'anthropic: no API key configured');
  }
  refuseUnsupported(request);
  const { system, messages } = anthropicConversation(request);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system !== undefined) body.system = system;
  Object.assign(body, anthropicTools(request));
  // `seed` has no Anthropic equivalent and is best-effort by definition: not sent (docs/gateway.md).
  if (request.endUser !== undefined) body.metadata = { user_id: request.endUser };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  // Recent Claude models reject temperature and top_p together; temperature wins.
  else if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (stream) body.stream = true;
  return {
    method: 'POST',
    path: '/v1/messages',
    headers: {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      'x-api-key': target.apiKey,
      'anthropic-version': ANTHROPIC_VERSION,
    },
    body: JSON.stringify(body),
  };
}

function parseChatResponse(body: unknown, provider: string): ChatResult {
  const root = asRecord(body);
  if (root?.type === 'error') {
    const message = asString(asRecord(root.error)?.message) ?? 'error';
    throw wireError(provider, 'server', `${provider}: ${message}`);
  }
  const content = asArray(root?.content);
  if (root === undefined || content === undefined) {
    throw wireError(provider, 'server', `${provider}: response has no content`);
  }
  let text = '';
  let jsonAnswer: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const block of content) {
    const record = asRecord(block);
    if (record?.type === 'text') text += asString(record.text) ?? '';
    else if (record?.type === 'tool_use') {
      const name = asString(record.name) ?? '';
      const input = JSON.stringify(record.input ?? {});
      // The emulated response_format: the tool's input is the answer.
      if (name === JSON_RESPONSE_TOOL) jsonAnswer = input;
      else toolCalls.push({ id: asString(record.id) ?? '', name, arguments: input });
    }
  }
  // Any text around the JSON answer is the model's preamble, not the requested JSON.
  if (jsonAnswer !== undefined) text = jsonAnswer;
  let finishReason: FinishReason = mapFinishReason(asString(root.stop_reason), ANTHROPIC_STOP_REASONS);
  if (finishReason === 'tool_calls' && jsonAnswer !== undefined && toolCalls.length === 0) finishReason = 'stop';
  return {
    id: asString(root.id) ?? '',
    model: asString(root.model) ?? '',
    text,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    finishReason,
    usage: anthropicUsage(asRecord(root.usage)),
  };
}

/** `{"type":"error","error":{"type":"rate_limit_error","message":"…"}}`; 529 is `overloaded_error`. */
function parseError(status: number, body: string): ParsedWireError {
  const error = asRecord(asRecord(tryParseJson(body))?.error);
  const message = asString(error?.message) ?? (body.trim() || `HTTP ${status}`);
  const code = asString(error?.type);
  return {
    errorClass: errorClassForStatus(status),
    message: clipMessage(message),
    ...(code === undefined ? {} : { providerCode: code }),
  };
}

export const anthropicWire: WireFormat = {
  name: 'anthropic',
  buildChatRequest: (request, target, options) => buildChatRequest(request, target, options.stream),
  parseChatResponse: (body, context) => parseChatResponse(body, context?.provider ?? 'anthropic'),
  createStreamDecoder: (request, context) => createAnthropicStreamDecoder(request, context?.provider ?? 'anthropic'),
  parseError,
};
