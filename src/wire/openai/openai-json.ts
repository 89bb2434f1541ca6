import type { ChatMessage, ChatRequest, ContentPart, FinishReason, ToolCall } from '../../core/chat.js';
import { asArray, asRecord, asString } from '../wire-support.js';

/** Pieces of the OpenAI chat JSON used by both the response parser and the stream decoder. */

export const OPENAI_FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  // llama.cpp and some vLLM versions report hitting a stop word this way.
  eos: 'stop',
  stop_sequence: 'stop',
};

/** `content` is a string for OpenAI; a few compatible servers send an array of text parts. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = asArray(content);
  if (parts === undefined) return '';
  let text = '';
  for (const part of parts) text += asString(asRecord(part)?.text) ?? '';
  return text;
}


/** A core message as OpenAI's chat message JSON (text, image and file parts, tool calls, tool results). */
export function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
  const out: Record<string, unknown> = { role: message.role, content: message.parts ? message.parts.map(toOpenAiPart) : message.content };
  if (message.role === 'assistant' && message.toolCalls && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
    if (message.content === '' && !message.parts) out.content = null;
  }
  if (message.name !== undefined && message.role !== 'assistant') out.name = message.name;
  return out;
}

function toOpenAiPart(part: ContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image') {
    const url = part.url ?? `data:${part.mediaType ?? 'image/png'};base64,${part.data ?? ''}`;
    return { type: 'image_url', image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
  }
  return { type: 'file', file: { file_data: `data:${part.mediaType};base64,${part.data}`, ...(part.filename ? { filename: part.filename } : {}) } };
}

/** Tools, tool choice, structured output and sampling extras, as OpenAI request fields. */
export function openAiRequestExtras(request: ChatRequest, body: Record<string, unknown>): void {
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.parameters,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
  }
  if (request.parallelToolCalls !== undefined && request.tools && request.tools.length > 0) body.parallel_tool_calls = request.parallelToolCalls;
  const format = request.responseFormat;
  if (format !== undefined) {
    body.response_format =
      format.type === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: {
              name: format.name,
              schema: format.schema,
              ...(format.strict !== undefined ? { strict: format.strict } : {}),
              ...(format.description !== undefined ? { description: format.description } : {}),
            },
          }
        : { type: format.type };
  }
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  if (request.endUser !== undefined) body.user = request.endUser;
}

/** `message.tool_calls` of a response. */
export function parseToolCalls(value: unknown): ToolCall[] | undefined {
  const calls = asArray(value);
  if (calls === undefined || calls.length === 0) return undefined;
  const out: ToolCall[] = [];
  for (const item of calls) {
    const call = asRecord(item);
    const fn = asRecord(call?.function);
    if (fn === undefined) continue;
    out.push({ id: asString(call?.id) ?? `call_${out.length}`, name: asString(fn.name) ?? '', arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) });
  }
  return out.length > 0 ? out : undefined;
}
