import type { ChatRequest, FinishReason, StreamPart, Usage } from '../../core/chat.js';
import { estimatePromptTokens, estimateTokens } from '../token-estimate.js';
import type { SseEvent, StreamDecoder } from '../wire-format.js';
import { asArray, asRecord, asString, mapFinishReason, parseStreamJson, wireError } from '../wire-support.js';
import { GEMINI_FINISH_REASONS, candidateText, candidateToolCalls, geminiUsage, isPromptBlocked } from './gemini-json.js';

/**
 * Decodes `streamGenerateContent?alt=sse`: every event is a whole `GenerateContentResponse`
 * carrying the next slice of text. There is no end marker: the chunk whose candidate has a
 * `finishReason` is the completion signal (usually with the final `usageMetadata`), so the
 * finish part goes out when the byte stream ends, and a stream without one is broken.
 * Function calls arrive whole: each `functionCall` part is one complete `tool_call` part.
 */
export function createGeminiStreamDecoder(request: ChatRequest, provider: string): StreamDecoder {
  let id = '';
  let model = '';
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  let finished = false;
  let outputText = '';
  let toolCalls = 0;

  return {
    push(event: SseEvent): StreamPart[] {
      if (finished) return [];
      const chunk = asRecord(parseStreamJson(provider, event.data));
      if (chunk === undefined) return [];
      if (chunk.error !== undefined) {
        const error = asRecord(chunk.error);
        throw wireError(provider, 'server', `${provider}: ${asString(error?.message) ?? 'stream error'}`);
      }
      if (id === '') id = asString(chunk.responseId) ?? '';
      if (model === '') model = asString(chunk.modelVersion) ?? '';
      usage = geminiUsage(asRecord(chunk.usageMetadata)) ?? usage;
      if (isPromptBlocked(chunk)) finishReason = 'content_filter';
      const candidate = asRecord(asArray(chunk.candidates)?.[0]);
      const reason = asString(candidate?.finishReason);
      if (reason !== undefined) finishReason = mapFinishReason(reason, GEMINI_FINISH_REASONS);
      const parts: StreamPart[] = [];
      const text = candidateText(candidate);
      if (text !== '') {
        outputText += text;
        parts.push({ type: 'text', text });
      }
      for (const call of candidateToolCalls(candidate, toolCalls)) {
        parts.push({ type: 'tool_call', index: toolCalls++, id: call.id, name: call.name, argumentsDelta: call.arguments });
        outputText += call.arguments;
      }
      return parts;
    },
    end(): StreamPart[] {
      if (finished) return [];
      if (finishReason === undefined) {
        throw wireError(provider, 'stream_broken', `${provider}: stream ended without a finishReason`);
      }
      finished = true;
      if (toolCalls > 0 && finishReason === 'stop') finishReason = 'tool_calls';
      const reported = usage ?? {
        inputTokens: estimatePromptTokens(request.messages.map((message) => message.content)),
        outputTokens: estimateTokens(outputText),
      };
      return [{ type: 'finish', id, model: model || request.model, finishReason, usage: reported }];
    },
  };
}
