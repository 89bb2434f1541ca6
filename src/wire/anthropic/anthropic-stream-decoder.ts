import type { ChatRequest, FinishReason, StreamPart, Usage } from '../../core/chat.js';
import type { SseEvent, StreamDecoder } from '../wire-format.js';
import { asNumber, asRecord, asString, mapFinishReason, parseStreamJson, wireError } from '../wire-support.js';
import { ANTHROPIC_STOP_REASONS, JSON_RESPONSE_TOOL, anthropicUsage } from './anthropic-json.js';

/** What a content block index carries: a tool call (by its ordinal among tool calls) or the emulated JSON answer. */
type Block = { kind: 'tool'; ordinal: number; sentArguments: boolean } | { kind: 'json' };

/**
 * Decodes Messages streaming events (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
 * `message_start` (id, model, input usage) → `content_block_start` → `content_block_delta`
 * (`text_delta`, or `input_json_delta` for a `tool_use` block) … → `content_block_stop` →
 * `message_delta` (stop reason, cumulative output usage) → `message_stop`. `ping` is ignored;
 * `error` aborts. Only `message_stop` completes. A tool call's stream part index is its ordinal
 * among the message's tool calls, not the content block index (text blocks come first).
 */
export function createAnthropicStreamDecoder(request: ChatRequest, provider: string): StreamDecoder {
  let id = '';
  let model = '';
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let finishReason: FinishReason = 'other';
  let finished = false;
  const blocks = new Map<number, Block>();
  let toolCalls = 0;
  let answeredWithJson = false;

  function startBlock(payload: Record<string, unknown> | undefined): StreamPart[] {
    const block = asRecord(payload?.content_block);
    const index = asNumber(payload?.index) ?? -1;
    if (block?.type !== 'tool_use') return [];
    const name = asString(block.name) ?? '';
    if (name === JSON_RESPONSE_TOOL) {
      blocks.set(index, { kind: 'json' });
      answeredWithJson = true;
      return [];
    }
    const ordinal = toolCalls++;
    blocks.set(index, { kind: 'tool', ordinal, sentArguments: false });
    return [{ type: 'tool_call', index: ordinal, id: asString(block.id) ?? '', name, argumentsDelta: '' }];
  }

  function delta(payload: Record<string, unknown> | undefined): StreamPart[] {
    const value = asRecord(payload?.delta);
    if (value?.type === 'text_delta') {
      const text = asString(value.text);
      // Text around the emulated JSON answer is preamble, not part of the requested JSON.
      return text && !answeredWithJson ? [{ type: 'text', text }] : [];
    }
    if (value?.type !== 'input_json_delta') return [];
    const json = asString(value.partial_json) ?? '';
    const block = blocks.get(asNumber(payload?.index) ?? -1);
    if (json === '' || block === undefined) return [];
    if (block.kind === 'json') return [{ type: 'text', text: json }];
    block.sentArguments = true;
    return [{ type: 'tool_call', index: block.ordinal, argumentsDelta: json }];
  }

  /** A tool called without arguments sends no input_json_delta; its arguments are `{}`. */
  function stopBlock(payload: Record<string, unknown> | undefined): StreamPart[] {
    const index = asNumber(payload?.index) ?? -1;
    const block = blocks.get(index);
    if (block?.kind !== 'tool' || block.sentArguments) return [];
    block.sentArguments = true;
    return [{ type: 'tool_call', index: block.ordinal, argumentsDelta: '{}' }];
  }

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
        case 'content_block_start':
          return startBlock(payload);
        case 'content_block_delta':
          return delta(payload);
        case 'content_block_stop':
          return stopBlock(payload);
        case 'message_delta': {
          const reason = asString(asRecord(payload?.delta)?.stop_reason);
          if (reason !== undefined) finishReason = mapFinishReason(reason, ANTHROPIC_STOP_REASONS);
          usage = anthropicUsage(asRecord(payload?.usage), usage);
          return [];
        }
        case 'message_stop':
          finished = true;
          // Only the emulated JSON tool was called: to the caller that is a plain answer.
          if (finishReason === 'tool_calls' && answeredWithJson && toolCalls === 0) finishReason = 'stop';
          return [{ type: 'finish', id, model: model || request.model, finishReason, usage }];
        case 'error': {
          const error = asRecord(payload?.error);
          const code = asString(error?.type);
          throw wireError(provider, 'server', `${provider}: ${asString(error?.message) ?? 'stream error'}`, {
            ...(code === undefined ? {} : { details: { providerCode: code } }),
          });
        }
        default:
          // ping, and event types added after this was written.
          return [];
      }
    },
    end(): StreamPart[] {
      if (finished) return [];
      throw wireError(provider, 'stream_broken', `${provider}: stream ended before message_stop`);
    },
  };
}
