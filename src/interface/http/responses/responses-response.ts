import { randomText } from '../../../core/random-id.js';
import type { ChatResult, StreamPart, Usage } from '../../../core/chat.js';
import type { ResponsesBody } from './responses-request.js';

/**
 * Core results as Responses API objects and its SSE stream (response.created … response.completed,
 * https://platform.openai.com/docs/api-reference/responses-streaming): a `message` output item
 * with `output_text`, then one `function_call` item per tool call.
 */

/** How this response relates to stored ones. */
export interface ResponseMeta {
  /** It will be stored (readable by id, continuable). */
  store: boolean;
  previousResponseId: string | null;
}

/** A Responses API `response` object. */
export type ResponseObject = ReturnType<typeof envelope>;

const id = (prefix: string) => `${prefix}_${randomText(12, 'hex')}`;

function usageJson(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

type OutputItem =
  | { type: 'message'; id: string; status: string; role: 'assistant'; content: { type: 'output_text'; text: string; annotations: never[]; logprobs?: never[] }[] }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: string };

function envelope(body: ResponsesBody, meta: ResponseMeta, responseId: string, createdAt: number, status: string, output: OutputItem[], usage: Usage | null, model: string) {
  return {
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: null as { reason: string } | null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: meta.previousResponseId,
    reasoning: { effort: null, summary: null },
    store: meta.store,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: (body.tools ?? []).map((tool) => ({ type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? true })),
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: usage ? usageJson(usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

export function buildResponse(result: ChatResult, body: ResponsesBody, meta: ResponseMeta): ResponseObject {
  const output: OutputItem[] = [];
  if (result.text !== '' || !result.toolCalls?.length) {
    output.push({ type: 'message', id: id('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: result.text, annotations: [] }] });
  }
  for (const call of result.toolCalls ?? []) output.push({ type: 'function_call', id: id('fc'), call_id: call.id, name: call.name, arguments: call.arguments, status: 'completed' });
  const status = result.finishReason === 'length' ? 'incomplete' : 'completed';
  const response = envelope(body, meta, id('resp'), Math.floor(Date.now() / 1000), status, output, result.usage, result.model || body.model);
  if (status === 'incomplete') response.incomplete_details = { reason: 'max_output_tokens' };
  return response;
}

/**
 * Stream parts → Responses events, each with its `sequence_number`. `onComplete` (storing the
 * response) runs before the final event is written, so a client that continues from it at once
 * finds it.
 */
export function createResponseStreamRenderer(body: ResponsesBody, meta: ResponseMeta, onComplete?: (response: ResponseObject) => Promise<void>) {
  const responseId = id('resp');
  const createdAt = Math.floor(Date.now() / 1000);
  let sequence = 0;
  const output: OutputItem[] = [];
  let text: { item: Extract<OutputItem, { type: 'message' }>; index: number } | undefined;
  const calls = new Map<number, { item: Extract<OutputItem, { type: 'function_call' }>; index: number }>();
  const emit = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;

  const closeText = () => {
    if (!text) return '';
    const { item, index } = text;
    text = undefined;
    item.status = 'completed';
    const part = item.content[0]!;
    return (
      emit('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] }) +
      emit('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part }) +
      emit('response.output_item.done', { output_index: index, item })
    );
  };
  const closeCalls = () => {
    let out = '';
    for (const { item, index } of calls.values()) {
      item.status = 'completed';
      out += emit('response.function_call_arguments.done', { item_id: item.id, output_index: index, arguments: item.arguments });
      out += emit('response.output_item.done', { output_index: index, item });
    }
    calls.clear();
    return out;
  };

  return {
    start: () => {
      const response = envelope(body, meta, responseId, createdAt, 'in_progress', [], null, body.model);
      return emit('response.created', { response }) + emit('response.in_progress', { response });
    },
    part(part: StreamPart): string | Promise<string> {
      if (part.type === 'text') {
        let out = '';
        if (!text) {
          const item: Extract<OutputItem, { type: 'message' }> = { type: 'message', id: id('msg'), status: 'in_progress', role: 'assistant', content: [] };
          text = { item, index: output.length };
          output.push(item);
          out += emit('response.output_item.added', { output_index: text.index, item: { ...item, content: [] } });
          item.content.push({ type: 'output_text', text: '', annotations: [] });
          out += emit('response.content_part.added', { item_id: item.id, output_index: text.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
        }
        text.item.content[0]!.text += part.text;
        return out + emit('response.output_text.delta', { item_id: text.item.id, output_index: text.index, content_index: 0, delta: part.text, logprobs: [] });
      }
      if (part.type === 'tool_call') {
        let out = closeText();
        let entry = calls.get(part.index);
        if (!entry) {
          const item: Extract<OutputItem, { type: 'function_call' }> = { type: 'function_call', id: id('fc'), call_id: part.id ?? id('call'), name: part.name ?? '', arguments: '', status: 'in_progress' };
          entry = { item, index: output.length };
          calls.set(part.index, entry);
          output.push(item);
          out += emit('response.output_item.added', { output_index: entry.index, item: { ...item } });
        }
        if (part.argumentsDelta !== '') {
          entry.item.arguments += part.argumentsDelta;
          out += emit('response.function_call_arguments.delta', { item_id: entry.item.id, output_index: entry.index, delta: part.argumentsDelta });
        }
        return out;
      }
      const out = closeText() + closeCalls();
      const status = part.finishReason === 'length' ? 'incomplete' : 'completed';
      const response = envelope(body, meta, responseId, createdAt, status, output, part.usage, part.model || body.model);
      if (status === 'incomplete') response.incomplete_details = { reason: 'max_output_tokens' };
      const last = () => out + emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
      return onComplete ? onComplete(response).then(last) : last();
    },
    error: (code: string, message: string) => emit('error', { code, message, param: null }),
  };
}
