import type { ChatRequest, FinishReason, StreamPart, Usage } from '../../core/chat.js';
import type { SseEvent, StreamDecoder } from '../wire-format.js';
import { asRecord, asString, mapFinishReason, parseStreamJson, wireError } from '../wire-support.js';
import { ANTHROPIC_STOP_REASONS, anthropicUsage } from './anthropic-json.js';

/**
 * Decodes Messages streaming events (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * `message_start` (id, model, input usage) → `content_block_start` → `content_block_delta`
 * (`text_delta`) … → `content_block_stop` → `message_delta` (stop reason, cumulative output
 * usage) → `message_stop`. `ping` is ignored; `error` aborts. Only `message_stop` completes.
 */
export function createAnthropicStreamDecoder(request: ChatRequest, provider: string): StreamDecoder {
  let id = '';
  let model = '';
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let finishReason: FinishReason = 'other';
  let finished = false;

  return {
    push(event: SseEvent): StreamPart[] {
      if (finished) return [];
      const payload = asRecord(parseStreamJson(provider, event.data));
      const type = asString(payload?.type) ?? event.event;
      switch (type) {
        case 'message_start': {
          const message = asRecord(payload?.message);
          id = asString(message?.id) ?? '';
          model = asString(message?.model) ?? '';
          usage = anthropicUsage(asRecord(message?.usage));
          return [];
        }
        case 'content_block_delta': {
          const delta = asRecord(payload?.delta);
          const text = delta?.type === 'text_delta' ? asString(delta.text) : undefined;
          return text ? [{ type: 'text', text }] : [];
        }
        case 'message_delta': {
          const reason = asString(asRecord(payload?.delta)?.stop_reason);
          if (reason !== undefined) finishReason = mapFinishReason(reason, ANTHROPIC_STOP_REASONS);
          usage = anthropicUsage(asRecord(payload?.usage), usage);
          return [];
        }
        case 'message_stop':
          finished = true;
          return [{ type: 'finish', id, model: model || request.model, finishReason, usage }];
        case 'error': {
          const error = asRecord(payload?.error);
          const code = asString(error?.type);
          throw wireError(provider, 'server', `${provider}: ${asString(error?.message) ?? 'stream error'}`, {
            ...(code === undefined ? {} : { details: { providerCode: code } }),
          });
        }
        default:
          // ping, content_block_start/stop, and event types added after this was written.
          return [];
      }
    },
    end(): StreamPart[] {
      if (finished) return [];
      throw wireError(provider, 'stream_broken', `${provider}: stream ended before message_stop`);
    },
  };
}
