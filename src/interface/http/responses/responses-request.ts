import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart } from '../../../core/chat.js';
import { FortitudeError } from '../../../core/errors.js';

/**
 * OpenAI's Responses API request (https://platform.openai.com/docs/api-reference/responses/create):
 * the conversation comes as `input` items (messages, `function_call`, `function_call_output`), as
 * the AI SDK and LangChain send it, after the stored conversation `previous_response_id` names
 * (the route loads it; a previous response's instructions are not carried over, as at OpenAI).
 */
const inputText = z.object({ type: z.enum(['input_text', 'output_text']), text: z.string() }).passthrough();
const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: z.string().min(1, { error: 'is required (file_id uploads are not supported)' }).max(20_000_000),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const inputFile = z.object({
  type: z.literal('input_file'),
  file_data: z.string().min(1, { error: 'is required: the file as a base64 data: URL (file_id uploads are not supported)' }),
  filename: z.string().max(512).optional(),
});
const contentItem = z.discriminatedUnion('type', [inputText, inputImage, inputFile], { error: 'content items must be input_text, input_image, input_file or output_text' });

const messageItem = z.object({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentItem).max(1000)]),
  id: z.string().optional(),
  status: z.string().optional(),
});
const functionCallItem = z.object({ type: z.literal('function_call'), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string(), id: z.string().optional(), status: z.string().optional() });
const functionOutputItem = z.object({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.union([z.string(), z.array(inputText)]), id: z.string().optional() });
const reasoningItem = z.object({ type: z.literal('reasoning') }).passthrough();

const inputItem = z.union([functionCallItem, functionOutputItem, reasoningItem, messageItem], {
  error: 'each input item must be a message, function_call, function_call_output or reasoning item',
});

const tool = z.object({
  type: z.literal('function', { error: 'only function tools are supported (no built-in tools such as web_search)' }),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1–64 letters, digits, _ or -' }),
  description: z.string().max(100_000).nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const format = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

export const responsesBodySchema = z.object({
  model: z.string().min(1, { error: 'must not be empty' }).max(256),
  input: z.union([z.string(), z.array(inputItem).min(1).max(10_000)]),
  instructions: z.string().nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.object({ type: z.literal('function'), name: z.string().min(1) })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.object({ format: format.optional() }).passthrough().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_output_tokens: z.number().int().positive().max(10_000_000).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  user: z.string().max(256).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  previous_response_id: z.string().min(1).max(256).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  reasoning: z.unknown().optional(),
  include: z.unknown().optional(),
  truncation: z.unknown().optional(),
  service_tier: z.unknown().optional(),
});

export type ResponsesBody = z.output<typeof responsesBodySchema>;

/** The request's `input` as core messages (without `instructions`). */
export function inputMessages(body: ResponsesBody): ChatMessage[] {
  if (typeof body.input === 'string') return [{ role: 'user', content: body.input }];
  const messages: ChatMessage[] = [];
  for (const item of body.input) appendItem(messages, item);
  return messages;
}

/** A response's `output` items (assistant text and function calls) as core messages. */
export function outputMessages(output: readonly unknown[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const item of output) appendItem(messages, item as InputItem);
  return messages;
}

/**
 * `conversation`: the messages after the instructions — by default the request's own input; with
 * `previous_response_id`, the stored conversation followed by it.
 */
export function toChatRequest(body: ResponsesBody, conversation: ChatMessage[] = inputMessages(body)): ChatRequest {
  const messages: ChatMessage[] = body.instructions ? [{ role: 'system', content: body.instructions }, ...conversation] : conversation;
  const request: ChatRequest = { model: body.model, messages };
  if (body.max_output_tokens != null) request.maxTokens = body.max_output_tokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.user != null) request.endUser = body.user;
  if (body.top_logprobs != null) {
    request.logprobs = true;
    request.topLogprobs = body.top_logprobs;
  }
  if (body.tools != null && body.tools.length > 0) {
    request.tools = body.tools.map((item) => ({
      name: item.name,
      ...(item.description != null ? { description: item.description } : {}),
      parameters: item.parameters ?? { type: 'object', properties: {} },
      ...(item.strict != null ? { strict: item.strict } : {}),
    }));
  }
  const choice = body.tool_choice;
  if (choice != null) request.toolChoice = typeof choice === 'string' ? choice : { name: choice.name };
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  const wanted = body.text?.format;
  if (wanted) {
    request.responseFormat =
      wanted.type === 'json_schema'
        ? { type: 'json_schema', name: wanted.name, schema: wanted.schema, ...(wanted.strict != null ? { strict: wanted.strict } : {}), ...(wanted.description ? { description: wanted.description } : {}) }
        : { type: wanted.type };
  }
  return request;
}

type InputItem = z.output<typeof inputItem>;

function appendItem(out: ChatMessage[], item: InputItem): void {
  if ('type' in item && item.type === 'function_call') {
    const call = { id: item.call_id, name: item.name, arguments: item.arguments };
    const last = out[out.length - 1];
    // Parallel calls arrive as consecutive items, after the turn's text if it had any: one assistant turn.
    if (last?.role === 'assistant' && !last.parts) (last.toolCalls ??= []).push(call);
    else out.push({ role: 'assistant', content: '', toolCalls: [call] });
    return;
  }
  if ('type' in item && item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : item.output.map((part) => part.text).join('');
    out.push({ role: 'tool', toolCallId: item.call_id, content: output });
    return;
  }
  if ('type' in item && item.type === 'reasoning') return;
  const message = item as z.output<typeof messageItem>;
  const role = message.role === 'developer' ? 'system' : message.role;
  if (typeof message.content === 'string') {
    out.push({ role, content: message.content });
    return;
  }
  let text = '';
  let rich = false;
  const parts: ContentPart[] = [];
  for (const part of message.content) {
    if (part.type === 'input_text' || part.type === 'output_text') {
      text += part.text;
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'input_image') {
      rich = true;
      const inline = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(part.image_url);
      parts.push(inline ? { type: 'image', data: inline[2]!, mediaType: inline[1]!, ...(part.detail ? { detail: part.detail } : {}) } : { type: 'image', url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) });
    } else {
      rich = true;
      const file = part as z.output<typeof inputFile>;
      const inline = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(file.file_data);
      if (!inline) throw new FortitudeError('bad_request', 'input: input_file.file_data must be a base64 data: URL', { details: { field: 'input' } });
      parts.push({ type: 'file', data: inline[2]!, mediaType: inline[1]!, ...(file.filename ? { filename: file.filename } : {}) });
    }
  }
  out.push({ role, content: text, ...(rich && role === 'user' ? { parts } : {}) });
}
