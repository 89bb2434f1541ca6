import { randomText } from '../../../core/random-id.js';
import type { ChatResult, FinishReason, StreamPart } from '../../../core/chat.js';

/**
 * Renders core results in OpenAI's exact response shapes: `chat.completion` and the
 * `chat.completion.chunk` SSE stream (https://platform.openai.com/docs/api-reference/chat/object).
 */

const FINISH_REASON = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  error: 'stop',
  other: 'stop',
} as const satisfies Record<FinishReason, string>;

export function completionId(upstreamId: string | undefined): string {
  if (upstreamId !== undefined && upstreamId !== '') return upstreamId;
  return `chatcmpl-${randomText(12, 'base64url')}`;
}

/**
 * The `chat.completion` body. A text answer (no tool calls) is written from a template, each
 * string through `JSON.stringify`: the same bytes as the object form below without building its
 * five objects and array per response.
 */
export function renderChatCompletion(result: ChatResult, created: number, simulated = false): string {
  if ((result.toolCalls !== undefined && result.toolCalls.length > 0) || typeof result.model !== 'string' || typeof result.text !== 'string') {
    return renderCompletionObject(result, created, simulated);
  }
  const input = result.usage.inputTokens;
  const output = result.usage.outputTokens;
  return (
    `{"id":${JSON.stringify(completionId(result.id))},"object":"chat.completion","created":${jsonNumber(created)},"model":${JSON.stringify(result.model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(result.text)},"refusal":null},"logprobs":null,"finish_reason":"${FINISH_REASON[result.finishReason]}"}],` +
    `"usage":{"prompt_tokens":${jsonNumber(input)},"completion_tokens":${jsonNumber(output)},"total_tokens":${jsonNumber(input + output)}},` +
    `"system_fingerprint":${simulated ? `"${SIMULATED_FINGERPRINT}"` : 'null'}}`
  );
}

/** A number as `JSON.stringify` writes it (null when not finite). */
function jsonNumber(value: number): number | string {
  return Number.isFinite(value) ? value : 'null';
}

function renderCompletionObject(result: ChatResult, created: number, simulated: boolean): string {
  return JSON.stringify({
    id: completionId(result.id),
    object: 'chat.completion',
    created,
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI sends null content for a turn made only of tool calls.
          content: result.toolCalls && result.toolCalls.length > 0 && result.text === '' ? null : result.text,
          refusal: null,
          ...(result.toolCalls && result.toolCalls.length > 0
            ? { tool_calls: result.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }
            : {}),
        },
        logprobs: null,
        finish_reason: FINISH_REASON[result.finishReason],
      },
    ],
    usage: {
      prompt_tokens: result.usage.inputTokens,
      completion_tokens: result.usage.outputTokens,
      total_tokens: result.usage.inputTokens + result.usage.outputTokens,
    },
    // The only free-text field the shape has: answers from the built-in simulator say so.
    system_fingerprint: simulated ? SIMULATED_FINGERPRINT : null,
  });
}

/** `system_fingerprint` of answers written by the built-in provider simulator. */
export const SIMULATED_FINGERPRINT = 'fortitude-simulator';

export interface ChunkRenderer {
  /** The opening chunk OpenAI sends: the assistant role with empty content. */
  role(): string;
  text(text: string): string;
  /** A piece of a tool call: the first for an index names it, later ones extend its arguments. */
  toolCall(part: Extract<StreamPart, { type: 'tool_call' }>): string;
  /** The finish chunk, then (with `include_usage`) the usage chunk, then `[DONE]`. */
  finish(part: Extract<StreamPart, { type: 'finish' }>): string;
  /** An in-band error after the stream started; OpenAI SDKs raise it as an APIError. */
  error(body: string): string;
}

/**
 * Frames are built from a pre-serialised prefix per stream, so each text part costs one
 * `JSON.stringify` of the text.
 */
export function createChunkRenderer(options: { id: string; model: string; created: number; includeUsage: boolean; simulated?: boolean }): ChunkRenderer {
  const fingerprint = options.simulated === true ? `"${SIMULATED_FINGERPRINT}"` : 'null';
  const head = `data: {"id":${JSON.stringify(options.id)},"object":"chat.completion.chunk","created":${options.created},"model":${JSON.stringify(options.model)},"system_fingerprint":${fingerprint},"choices":[`;
  const usageNull = options.includeUsage ? ',"usage":null' : '';
  const close = `]${usageNull}}\n\n`;
  return {
    role: () => `${head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}${close}`,
    text: (text) => `${head}{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}${close}`,
    toolCall(part) {
      const call =
        part.id !== undefined || part.name !== undefined
          ? { index: part.index, id: part.id ?? `call_${part.index}`, type: 'function', function: { name: part.name ?? '', arguments: part.argumentsDelta } }
          : { index: part.index, function: { arguments: part.argumentsDelta } };
      return `${head}{"index":0,"delta":{"tool_calls":[${JSON.stringify(call)}]},"logprobs":null,"finish_reason":null}${close}`;
    },
    finish(part) {
      let out = `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${FINISH_REASON[part.finishReason]}"}${close}`;
      if (options.includeUsage) {
        const usage = `{"prompt_tokens":${part.usage.inputTokens},"completion_tokens":${part.usage.outputTokens},"total_tokens":${part.usage.inputTokens + part.usage.outputTokens}}`;
        out += `${head}],"usage":${usage}}\n\n`;
      }
      return `${out}data: [DONE]\n\n`;
    },
    error: (body) => `data: ${body}\n\n`,
  };
}
