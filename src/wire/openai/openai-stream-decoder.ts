import type { ChatRequest, FinishReason, StreamPart, Usage } from '../../core/chat.js';
import { estimatePromptTokens, estimateTokens } from '../token-estimate.js';
import type { SseEvent, StreamDecoder } from '../wire-format.js';
import { asArray, asNumber, asRecord, asString, mapFinishReason, parseStreamJson, wireError } from '../wire-support.js';
import { OPENAI_FINISH_REASONS, messageText } from './openai-json.js';

/**
 * Decodes `chat.completion.chunk` events. OpenAI sends the finish reason in one chunk, usage
 * in a later chunk with empty `choices` (when `stream_options.include_usage` is set) and then
 * `data: [DONE]`. Compatible servers vary: usage in the finish chunk, usage absent, or no
 * `[DONE]`. So the finish part goes out at `[DONE]`, or at the end of the byte stream when a
 * finish reason was seen; a stream with neither is broken.
 */
export function createOpenAiStreamDecoder(
  request: ChatRequest,
  provider: string,
  finishWithoutReason: FinishReason,
): StreamDecoder {
  let id = '';
  let model = '';
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let finished = false;
  let outputText = '';

  function finish(): StreamPart[] {
    finished = true;
    const reported = usage ?? {
      inputTokens: estimatePromptTokens(request.messages.map((message) => message.content)),
      outputTokens: estimateTokens(outputText),
    };
    return [{ type: 'finish', id, model: model || request.model, finishReason: finishReason ?? finishWithoutReason, usage: reported }];
  }

  return {
    push(event: SseEvent): StreamPart[] {
      if (finished) return [];
      if (event.data === '[DONE]') return finish();
      const chunk = asRecord(parseStreamJson(provider, event.data));
      if (chunk === undefined) return [];
      if (chunk.error !== undefined) {
        const error = asRecord(chunk.error);
        const message = asString(error?.message) ?? asString(chunk.error) ?? 'stream error';
        throw wireError(provider, 'server', `${provider}: ${message}`);
      }
      if (id === '') id = asString(chunk.id) ?? '';
      if (model === '') model = asString(chunk.model) ?? '';
      const reportedUsage = asRecord(chunk.usage);
      if (reportedUsage !== undefined) {
        usage = {
          inputTokens: asNumber(reportedUsage.prompt_tokens) ?? 0,
          outputTokens: asNumber(reportedUsage.completion_tokens) ?? 0,
        };
      }
      const parts: StreamPart[] = [];
      for (const item of asArray(chunk.choices) ?? []) {
        const choice = asRecord(item);
        // Only the first choice is ours; Fortitude never asks for n > 1.
        if (choice === undefined || (asNumber(choice.index) ?? 0) !== 0) continue;
        const delta = asRecord(choice.delta);
        const text = messageText(delta?.content);
        if (text !== '') {
          outputText += text;
          parts.push({ type: 'text', text });
        }
        for (const item of asArray(delta?.tool_calls) ?? []) {
          const call = asRecord(item);
          const fn = asRecord(call?.function);
          const argumentsDelta = typeof fn?.arguments === 'string' ? fn.arguments : '';
          outputText += argumentsDelta;
          const id = asString(call?.id);
          const name = asString(fn?.name);
          parts.push({ type: 'tool_call', index: asNumber(call?.index) ?? 0, ...(id ? { id } : {}), ...(name ? { name } : {}), argumentsDelta });
        }
        const reason = asString(choice.finish_reason);
        if (reason) finishReason = mapFinishReason(reason, OPENAI_FINISH_REASONS);
      }
      return parts;
    },
    end(): StreamPart[] {
      if (finished) return [];
      if (finishReason !== undefined) return finish();
      throw wireError(provider, 'stream_broken', `${provider}: stream ended before the answer was complete`);
    },
  };
}
