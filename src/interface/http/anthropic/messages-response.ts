import { randomText } from '../../../core/random-id.js';
import type { ChatResult, FinishReason, StreamPart, Usage } from '../../../core/chat.js';
import type { HttpErrorCode } from '../error-status.js';

/**
 * Core results in Anthropic's exact response shapes: the `message` object and the Messages SSE
 * stream (message_start, content_block_start/delta/stop, message_delta, message_stop), as the
 * Anthropic SDKs and Claude Code parse them (https://docs.anthropic.com/en/api/messages-streaming).
 */

const STOP_REASON = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'refusal',
  tool_calls: 'tool_use',
  error: 'end_turn',
  other: 'end_turn',
} as const satisfies Record<FinishReason, string>;

/** Anthropic's `error.type` per code (https://docs.anthropic.com/en/api/errors). */
const ERROR_TYPE = {
  config_invalid: 'api_error',
  bad_request: 'invalid_request_error',
  not_found: 'not_found_error',
  model_not_found: 'not_found_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  rate_limited: 'rate_limit_error',
  budget_exceeded: 'billing_error',
  provider_error: 'api_error',
  provider_unavailable: 'overloaded_error',
  timeout: 'timeout_error',
  not_implemented: 'invalid_request_error',
  storage_error: 'api_error',
  internal: 'api_error',
  invalid_json: 'invalid_request_error',
  payload_too_large: 'request_too_large',
  unsupported_media_type: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
} as const satisfies Record<HttpErrorCode, string>;

export function anthropicErrorBody(code: HttpErrorCode, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type: ERROR_TYPE[code], message }, request_id: requestId });
}

export function messageId(): string {
  return `msg_${randomText(12, 'base64url')}`;
}

function parseInput(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text) as unknown;
  } catch {
    return { _raw: text };
  }
}

export function renderMessage(result: ChatResult, requestedModel: string): string {
  const content: unknown[] = [];
  if (result.text !== '' || !result.toolCalls?.length) content.push({ type: 'text', text: result.text });
  for (const call of result.toolCalls ?? []) content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) });
  return JSON.stringify({
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: result.model || requestedModel,
    content,
    stop_reason: STOP_REASON[result.finishReason],
    stop_sequence: null,
    usage: usageJson(result.usage),
  });
}

function usageJson(usage: Usage): Record<string, number> {
  return { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Turns stream parts into Messages events. Text and each tool call are content blocks in order;
 * a block is closed when the next one starts or the message ends.
 */
export function createMessageStreamRenderer(options: { model: string }) {
  const id = messageId();
  let index = -1;
  let open: 'text' | 'tool' | undefined;
  let openTool = -1;
  const close = () => {
    if (open === undefined) return '';
    open = undefined;
    return event('content_block_stop', { type: 'content_block_stop', index });
  };
  return {
    start: () =>
      event('message_start', {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: usageJson({ inputTokens: 0, outputTokens: 0 }) },
      }),
    part(part: StreamPart): string {
      if (part.type === 'text') {
        let out = '';
        if (open !== 'text') {
          out += close();
          index++;
          open = 'text';
          out += event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        }
        return out + event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: part.text } });
      }
      if (part.type === 'tool_call') {
        let out = '';
        if (open !== 'tool' || openTool !== part.index) {
          out += close();
          index++;
          open = 'tool';
          openTool = part.index;
          out += event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: part.id ?? `toolu_${part.index}`, name: part.name ?? '', input: {} } });
        }
        if (part.argumentsDelta !== '') out += event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part.argumentsDelta } });
        return out;
      }
      let out = close();
      if (index === -1) {
        // Anthropic always sends at least one block.
        out += event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        out += event('content_block_stop', { type: 'content_block_stop', index: 0 });
      }
      out += event('message_delta', { type: 'message_delta', delta: { stop_reason: STOP_REASON[part.finishReason], stop_sequence: null }, usage: { output_tokens: part.usage.outputTokens, input_tokens: part.usage.inputTokens } });
      return out + event('message_stop', { type: 'message_stop' });
    },
    error: (code: HttpErrorCode, message: string) => event('error', { type: 'error', error: { type: ERROR_TYPE[code], message } }),
  };
}
