import type { IncomingHttpHeaders } from 'node:http';
import {
  contentText,
  headerValue,
  jsonResponse,
  type ChatCall,
  type Completion,
  type ErrorDetail,
  type ErrorKind,
  type FinishKind,
  type Operation,
  type SimFormat,
  type SimMessage,
  type SimResponse,
} from './sim-format.js';
import { anthropicMessage, checkToolPairs, parseAnthropicTools, toolUseBlocksJson, toolUseEvents } from './anthropic-sim-tools.js';

/**
 * Anthropic Messages API (https://docs.anthropic.com/en/api/messages), including the
 * streaming event sequence and error bodies the official SDK parses. Requires `x-api-key`
 * and `anthropic-version`, and `max_tokens` in every request, like the real API.
 */

const STOP_REASON: Readonly<Record<FinishKind, string>> = {
  stop: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  content_filter: 'refusal',
  tool_calls: 'tool_use',
};

const MODELS = ['claude-3-5-haiku-20241022', 'claude-sonnet-4-20250514', 'claude-opus-4-20250514'];

let requestCounter = 0;
function requestId(): string {
  requestCounter = (requestCounter + 1) % 1e9;
  return `req_sim${requestCounter.toString(36).padStart(10, '0')}`;
}

function errorBody(status: number, type: string, message: string, headers: Record<string, string> = {}): SimResponse {
  const id = requestId();
  return jsonResponse(status, { type: 'error', error: { type, message }, request_id: id }, { 'request-id': id, ...headers });
}

export function anthropicError(kind: ErrorKind, detail: ErrorDetail = {}): SimResponse {
  switch (kind) {
    case 'missing_key':
      return errorBody(401, 'authentication_error', 'x-api-key header is required');
    case 'invalid_key':
      return errorBody(401, 'authentication_error', 'invalid x-api-key');
    case 'server_error':
      return errorBody(500, 'api_error', 'Internal server error');
    case 'unavailable':
      return errorBody(503, 'api_error', 'Service unavailable');
    case 'overloaded':
      return errorBody(529, 'overloaded_error', 'Overloaded');
    case 'rate_limit': {
      const retryAfter = detail.retryAfterSeconds ?? 1;
      const limit = detail.limit ?? 50;
      const reset = new Date(Date.now() + retryAfter * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return errorBody(
        429,
        'rate_limit_error',
        `This request would exceed the rate limit for your organization (org-simulator) of ${limit} requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`,
        {
          'retry-after': String(retryAfter),
          'anthropic-ratelimit-requests-limit': String(limit),
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': reset,
        },
      );
    }
    case 'model_not_found':
      return errorBody(404, 'not_found_error', `model: ${detail.model ?? ''}`);
    case 'bad_request':
      return errorBody(400, 'invalid_request_error', detail.message ?? 'Invalid request');
    case 'unknown_route':
      return errorBody(404, 'not_found_error', 'Not Found');
    case 'invalid_json':
      return errorBody(400, 'invalid_request_error', 'There was an error parsing the body of your request. Please check that your body is valid JSON.');
    case 'too_large':
      return errorBody(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
  }
}

const bad = (message: string) => anthropicError('bad_request', { message });

function parseMessages(value: unknown): SimMessage[] | SimResponse {
  if (value === undefined) return bad('messages: Field required');
  if (!Array.isArray(value)) return bad('messages: Input should be a valid list');
  if (value.length === 0) return bad('messages: at least one message is required');
  const messages: SimMessage[] = [];
  const pairs: { role: string; calls: string[]; results: string[] }[] = [];
  for (const [index, item] of value.entries()) {
    const record = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (record.role !== 'user' && record.role !== 'assistant') {
      return bad(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    const parsed = anthropicMessage(record.role, record.content, index, bad);
    if (!Array.isArray(parsed)) return parsed;
    pairs.push({
      role: record.role,
      calls: parsed.flatMap((message) => message.toolCalls?.map((call) => call.id) ?? []),
      results: parsed.flatMap((message) => (message.role === 'tool' ? [message.toolCallId ?? ''] : [])),
    });
    messages.push(...parsed);
  }
  return checkToolPairs(pairs, bad) ?? messages;
}

function parseChat(body: unknown, operation: Extract<Operation, { kind: 'chat' }>): ChatCall | SimResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('Input should be a valid dictionary');
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') return bad('model: Field required');
  if (record.max_tokens === undefined) return bad('max_tokens: Field required');
  if (typeof record.max_tokens !== 'number' || !Number.isInteger(record.max_tokens) || record.max_tokens < 1) {
    return bad('max_tokens: Input should be a valid integer greater than or equal to 1');
  }
  const messages = parseMessages(record.messages);
  if (!Array.isArray(messages)) return messages;
  if (record.system !== undefined) {
    const system = contentText(record.system);
    if (system === undefined) return bad('system: Input should be a valid string or list of text blocks');
    messages.unshift({ role: 'system', text: system });
  }
  const stop = record.stop_sequences;
  if (stop !== undefined && !(Array.isArray(stop) && stop.every((item) => typeof item === 'string'))) {
    return bad('stop_sequences: Input should be a valid list of strings');
  }
  const tools = parseAnthropicTools(record, bad);
  if ('status' in tools) return tools;
  return {
    model: record.model,
    messages,
    maxTokens: record.max_tokens,
    stop: (stop as string[] | undefined) ?? [],
    stream: record.stream === true || operation.stream,
    includeUsage: true,
    usageStyle: 'separate_chunk',
    ...tools,
  };
}

function usageJson(inputTokens: number, outputTokens: number): string {
  return `{"input_tokens":${inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${outputTokens},"service_tier":"standard"}`;
}

function stopSequenceJson(completion: Completion): string {
  return completion.stopSequence === undefined ? 'null' : JSON.stringify(completion.stopSequence);
}

export function createAnthropicSimFormat(): SimFormat {
  return {
    kind: 'anthropic',
    idPrefix: 'msg_',
    toolCallIdPrefix: 'toolu_',
    requiresKey: true,
    // `x-api-key` is the documented header; recent official SDKs send `Authorization: Bearer`, which the API also takes.
    hasKey: (headers: IncomingHttpHeaders) =>
      (headerValue(headers, 'x-api-key') ?? '') !== '' || /^Bearer\s+\S/i.test(headerValue(headers, 'authorization') ?? ''),
    checkHeaders(headers: IncomingHttpHeaders): SimResponse | undefined {
      return headerValue(headers, 'anthropic-version') === undefined ? bad('anthropic-version: header is required') : undefined;
    },
    route(method: string, path: string): Operation | undefined {
      if (method === 'POST' && path === '/v1/messages') return { kind: 'chat', stream: false, sse: true };
      if (method === 'POST' && path === '/v1/messages/count_tokens') return { kind: 'count_tokens' };
      if (method === 'GET' && path === '/v1/models') return { kind: 'models' };
      if (method === 'GET' && path.startsWith('/v1/models/')) return { kind: 'models', id: decodeURIComponent(path.slice(11)) };
      return undefined;
    },
    parseChat,
    parseEmbed: () => anthropicError('unknown_route'),
    chatJson(_call, completion) {
      const content =
        completion.toolCalls.length > 0 ? toolUseBlocksJson(completion) : completion.text === '' ? '[]' : `[{"type":"text","text":${completion.textJson}}]`;
      return `{"id":"${completion.id}","type":"message","role":"assistant","model":${JSON.stringify(completion.model)},"content":${content},"stop_reason":"${STOP_REASON[completion.finish]}","stop_sequence":${stopSequenceJson(completion)},"usage":${usageJson(completion.inputTokens, completion.outputTokens)}}`;
    },
    stream: {
      contentType: 'text/event-stream; charset=utf-8',
      groupSize: 1,
      head(_call, completion) {
        // A tool-call answer opens its tool_use blocks in its own events.
        const textBlock =
          completion.toolCalls.length > 0 ? '' : 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
        return (
          `event: message_start\ndata: {"type":"message_start","message":{"id":"${completion.id}","type":"message","role":"assistant","model":${JSON.stringify(completion.model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${usageJson(completion.inputTokens, 1)}}}\n\n` +
          textBlock +
          'event: ping\ndata: {"type": "ping"}\n\n'
        );
      },
      toolCallEvents: (_call, completion) => toolUseEvents(completion),
      delta(_call, _completion, text) {
        return `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;
      },
      tail(_call, completion) {
        return (
          (completion.toolCalls.length > 0 ? '' : 'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n') +
          `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${STOP_REASON[completion.finish]}","stop_sequence":${stopSequenceJson(completion)}},"usage":{"output_tokens":${completion.outputTokens}}}\n\n` +
          'event: message_stop\ndata: {"type":"message_stop"}\n\n'
        );
      },
      error() {
        return 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
      },
    },
    embedJson: () => '{}',
    countTokensJson: (tokens) => `{"input_tokens":${tokens}}`,
    models(operation): SimResponse {
      const model = (id: string) => ({ type: 'model', id, display_name: id, created_at: '2025-05-22T00:00:00Z' });
      if (operation.id !== undefined) {
        return MODELS.includes(operation.id) ? jsonResponse(200, model(operation.id)) : anthropicError('model_not_found', { model: operation.id });
      }
      return jsonResponse(200, { data: MODELS.map(model), has_more: false, first_id: MODELS[0], last_id: MODELS.at(-1) });
    },
    error: (kind, detail) => anthropicError(kind, detail),
  };
}
