import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart } from '../../../core/chat.js';
import { FortitudeError } from '../../../core/errors.js';
import { validateInput } from '../validate-input.js';

/**
 * OpenAI's Chat Completions request (https://platform.openai.com/docs/api-reference/chat/create):
 * text, image and file content, tools and tool results, structured output, and the sampling
 * parameters providers share. Unknown parameters are ignored, as OpenAI-compatible servers do, so
 * newer SDKs keep working; parameters whose meaning we cannot honour (n > 1, audio) are refused
 * with a 400 naming them rather than silently dropped.
 */
const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1).max(20_000_000), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.object({
    file_data: z.string().min(1, { error: 'must be a data: URL with the file as base64 (file_id uploads are not supported)' }).max(30_000_000),
    filename: z.string().max(512).optional(),
  }),
});
/** What a message's `content` may be, said when it is something else (zod's own: "Invalid input"). */
const TEXT_CONTENT = 'expected a string or an array of {type: "text", text} parts';
const USER_CONTENT = 'expected a string or an array of content parts ({type: "text"}, {type: "image_url"} or {type: "file"})';

const contentPart = z.discriminatedUnion('type', [textPart, imagePart, filePart], {
  error: 'each content part must be {type: "text"}, {type: "image_url"} or {type: "file"} (audio is not supported)',
});

const toolCall = z.object({
  id: z.string().min(1).max(512),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1).max(256), arguments: z.string().max(10_000_000) }),
});

const message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(textPart).max(1000)], { error: TEXT_CONTENT }), name: z.string().max(256).optional() }),
    z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(contentPart).max(1000)], { error: USER_CONTENT }), name: z.string().max(256).optional() }),
    z.object({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(textPart).max(1000)], { error: TEXT_CONTENT }).nullish(),
      tool_calls: z.array(toolCall).max(1000).optional(),
      name: z.string().max(256).optional(),
      refusal: z.string().nullish(),
    }),
    z.object({ role: z.literal('tool'), tool_call_id: z.string().min(1).max(512), content: z.union([z.string(), z.array(textPart).max(1000)], { error: TEXT_CONTENT }) }),
  ],
  { error: 'role must be one of system, developer, user, assistant, tool' },
);

const tool = z.object({
  type: z.literal('function', { error: 'only function tools are supported' }),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1–64 letters, digits, _ or -' }),
    description: z.string().max(100_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(64) }) }),
]);

const responseFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1–64 letters, digits, _ or -' }),
        description: z.string().max(100_000).optional(),
        schema: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: 'type must be text, json_object or json_schema' },
);

const refused = (why: string) => z.unknown().refine((value) => value === undefined || value === null, { error: why }).optional();

export const chatCompletionBodySchema = z
  .object({
    model: z.string().min(1, { error: 'must not be empty' }).max(256),
    messages: z.array(message).min(1, { error: 'must contain at least one message' }).max(10_000),
    max_tokens: z.number().int().positive().max(10_000_000).nullish(),
    max_completion_tokens: z.number().int().positive().max(10_000_000).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    user: z.string().max(256).nullish(),
    seed: z.number().int().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    tools: z.array(tool).max(128).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    functions: refused('the legacy functions parameter is not supported: send tools instead'),
    function_call: refused('the legacy function_call parameter is not supported: send tool_choice instead'),
    audio: refused('audio output is not supported by this gateway'),
    modalities: z.array(z.literal('text', { error: 'only text output is supported' })).nullish(),
  })
  .superRefine((body, context) => {
    const names = new Set((body.tools ?? []).map((item) => item.function.name));
    const choice = body.tool_choice;
    if (choice && typeof choice === 'object' && !names.has(choice.function.name)) {
      context.addIssue({ code: 'custom', path: ['tool_choice', 'function', 'name'], message: `"${choice.function.name}" is not one of the tools given` });
    }
    if (choice === 'required' && names.size === 0) context.addIssue({ code: 'custom', path: ['tool_choice'], message: '"required" needs tools' });
    if (body.top_logprobs != null && body.logprobs !== true) context.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'needs logprobs: true' });
  });

export type ChatCompletionBody = z.output<typeof chatCompletionBodySchema>;

/**
 * The body checked against `chatCompletionBodySchema`: what zod returns, or a `bad_request`
 * naming the first failing field. The common body (text messages, sampling parameters, no tools)
 * is checked by hand first — the schema's discriminated unions cost a few µs and ~4 KB of garbage
 * per request; anything else, valid or not, goes to the schema, so every error is the schema's.
 */
export function parseChatCompletionBody(value: unknown): ChatCompletionBody {
  if (isPlainChatBody(value)) return value as ChatCompletionBody;
  return validateInput(chatCompletionBodySchema, value, 'body');
}

const PLAIN_BODY_KEYS = new Set(['model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'n', 'stream', 'stream_options', 'user', 'seed']);
const MAX_TOKENS_LIMIT = 10_000_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nullishOr = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || value === null || check(value);
const isNumberIn = (min: number, max: number) => (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
const isPositiveTokenCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_TOKENS_LIMIT;
const isShortString = (value: unknown) => typeof value === 'string' && value.length <= 256;
// The checks as constants: a closure written inline in `isPlainChatBody` is a new function object per request.
const isTemperature = isNumberIn(0, 2);
const isTopP = isNumberIn(0, 1);
const isString = (value: unknown) => typeof value === 'string';
const isStop = (stop: unknown) => typeof stop === 'string' || (Array.isArray(stop) && stop.length <= 4 && stop.every(isString));
const isOne = (n: unknown) => n === 1;
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isSafeInteger = (seed: unknown) => typeof seed === 'number' && Number.isSafeInteger(seed);

/**
 * True only when the schema would accept `value` unchanged: every key known, every value of a
 * simple kind within the schema's bounds, and nothing the schema would strip, transform or refine.
 */
function isPlainChatBody(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (!Object.hasOwn(value, key) || !PLAIN_BODY_KEYS.has(key)) return false;
  const { model, messages } = value;
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) return false;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > 10_000) return false;
  for (const message of messages) if (!isPlainMessage(message)) return false;
  return (
    nullishOr(value.max_tokens, isPositiveTokenCount) &&
    nullishOr(value.max_completion_tokens, isPositiveTokenCount) &&
    nullishOr(value.temperature, isTemperature) &&
    nullishOr(value.top_p, isTopP) &&
    nullishOr(value.stop, isStop) &&
    nullishOr(value.n, isOne) &&
    nullishOr(value.stream, isBoolean) &&
    nullishOr(value.stream_options, isPlainStreamOptions) &&
    nullishOr(value.user, isShortString) &&
    nullishOr(value.seed, isSafeInteger)
  );
}

function isPlainStreamOptions(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (!Object.hasOwn(value, key) || key !== 'include_usage') return false;
  return nullishOr(value.include_usage, isBoolean);
}

/** A system, developer or user message with string content (and an optional name), or an assistant's text. */
function isPlainMessage(message: unknown): boolean {
  if (!isObject(message)) return false;
  const { role } = message;
  for (const key in message) {
    if (!Object.hasOwn(message, key)) return false;
    if (key === 'role' || key === 'content' || key === 'name') continue;
    if (key === 'refusal' && role === 'assistant') continue;
    return false;
  }
  if (message.name !== undefined && !isShortString(message.name)) return false;
  if (role === 'assistant') return nullishOr(message.content, isString) && nullishOr(message.refusal, isString);
  return (role === 'system' || role === 'developer' || role === 'user') && typeof message.content === 'string';
}
type InboundMessage = ChatCompletionBody['messages'][number];
type InboundPart = z.output<typeof contentPart>;

export function toChatRequest(body: ChatCompletionBody): ChatRequest {
  const messages: ChatMessage[] = new Array<ChatMessage>(body.messages.length);
  for (let index = 0; index < body.messages.length; index++) messages[index] = toChatMessage(body.messages[index]!);
  const request: ChatRequest = { model: body.model, messages };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.user != null) request.endUser = body.user;
  if (body.seed != null) request.seed = body.seed;
  if (body.logprobs != null) request.logprobs = body.logprobs;
  if (body.top_logprobs != null) request.topLogprobs = body.top_logprobs;
  if (body.tools != null && body.tools.length > 0) {
    request.tools = body.tools.map((item) => ({
      name: item.function.name,
      ...(item.function.description !== undefined ? { description: item.function.description } : {}),
      parameters: item.function.parameters ?? { type: 'object', properties: {} },
      ...(item.function.strict != null ? { strict: item.function.strict } : {}),
    }));
  }
  const choice = body.tool_choice;
  if (choice != null) request.toolChoice = typeof choice === 'string' ? choice : { name: choice.function.name };
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  const format = body.response_format;
  if (format != null) {
    request.responseFormat =
      format.type === 'json_schema'
        ? {
            type: 'json_schema',
            name: format.json_schema.name,
            schema: format.json_schema.schema ?? { type: 'object' },
            ...(format.json_schema.strict != null ? { strict: format.json_schema.strict } : {}),
            ...(format.json_schema.description !== undefined ? { description: format.json_schema.description } : {}),
          }
        : { type: format.type };
  }
  return request;
}

function textOf(content: string | readonly { type: string; text?: string }[] | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text ?? '';
  return text;
}

function toChatMessage(item: InboundMessage): ChatMessage {
  switch (item.role) {
    case 'tool':
      return { role: 'tool', content: textOf(item.content), toolCallId: item.tool_call_id };
    case 'assistant': {
      const message: ChatMessage = { role: 'assistant', content: textOf(item.content) };
      if (item.tool_calls && item.tool_calls.length > 0) {
        message.toolCalls = item.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
      }
      return message;
    }
    case 'user': {
      const message: ChatMessage = { role: 'user', content: textOf(item.content) };
      if (typeof item.content !== 'string' && item.content.some((part) => part.type !== 'text')) message.parts = item.content.map(toContentPart);
      if (item.name !== undefined) message.name = item.name;
      return message;
    }
    default:
      return { role: 'system', content: textOf(item.content) };
  }
}

/** `data:<type>;base64,<data>` URLs become inline data, so every provider can take them. */
function toContentPart(part: InboundPart): ContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image_url') {
    const inline = parseDataUrl(part.image_url.url);
    const detail = part.image_url.detail ? { detail: part.image_url.detail } : {};
    return inline ? { type: 'image', data: inline.data, mediaType: inline.mediaType, ...detail } : { type: 'image', url: part.image_url.url, ...detail };
  }
  const inline = parseDataUrl(part.file.file_data);
  if (!inline) throw new FortitudeError('bad_request', 'messages: file.file_data must be a data: URL with base64 content', { details: { field: 'messages' } });
  return { type: 'file', data: inline.data, mediaType: inline.mediaType, ...(part.file.filename ? { filename: part.file.filename } : {}) };
}

function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!, data: match[2]! } : undefined;
}
