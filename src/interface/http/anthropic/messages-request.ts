import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../../../core/chat.js';
import { validateInput } from '../validate-input.js';

/**
 * Anthropic's Messages request (https://docs.anthropic.com/en/api/messages), as Claude Code and
 * the Anthropic SDKs send it, onto the core `ChatRequest`: text, image and document blocks, tool
 * definitions, `tool_use` and `tool_result` blocks, tool choice, stop sequences, `metadata.user_id`.
 * `cache_control` marks are hints for Anthropic's own prompt cache and are not forwarded;
 * `thinking` and `top_k` have no counterpart in the other providers and are not forwarded either
 * (see docs/gateway.md); server tools (web search, code execution) are refused with a 400.
 */
const cacheControl = z.object({ type: z.string() }).passthrough().nullish();

const textBlock = z.object({ type: z.literal('text'), text: z.string(), cache_control: cacheControl }).passthrough();
const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1).max(100), data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.string().min(1).max(20_000) }),
  ]),
  cache_control: cacheControl,
});
const documentBlock = z.object({
  type: z.literal('document'),
  source: z.object({ type: z.literal('base64', { error: 'only base64 documents are supported' }), media_type: z.string().min(1).max(100), data: z.string().min(1) }),
  title: z.string().nullish(),
  cache_control: cacheControl,
});
const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string().min(1).max(512), name: z.string().min(1).max(256), input: z.unknown(), cache_control: cacheControl });
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1).max(512),
  content: z.union([z.string(), z.array(z.union([textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
// Extended-thinking blocks a client replays from an earlier turn carry no text for other providers.
const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).passthrough();

const block = z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock], {
  error: 'each content block must be text, image, document, tool_use, tool_result or thinking',
});

const message = z.object({
  role: z.enum(['user', 'assistant'], { error: 'must be user or assistant (system goes in the top-level system field)' }),
  content: z.union([z.string(), z.array(block).max(10_000)], { error: 'expected a string or an array of content blocks (text, image, document, tool_use, tool_result or thinking)' }),
});

const tool = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, { error: 'must be 1–128 letters, digits, _ or -' }),
    description: z.string().max(100_000).optional(),
    input_schema: z.record(z.string(), z.unknown(), { error: 'is required: the JSON Schema of the tool input (server tools such as web search are not supported)' }),
    cache_control: cacheControl,
  })
  .passthrough();

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

export const messagesBodySchema = z
  .object({
    model: z.string().min(1, { error: 'must not be empty' }).max(256),
    max_tokens: z.number().int().positive().max(10_000_000),
    messages: z.array(message).min(1, { error: 'must contain at least one message' }).max(10_000),
    system: z.union([z.string(), z.array(textBlock).max(1000)]).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().nonnegative().optional(),
    stop_sequences: z.array(z.string()).max(16).optional(),
    stream: z.boolean().optional(),
    tools: z.array(tool).max(128).optional(),
    tool_choice: toolChoice.optional(),
    metadata: z.object({ user_id: z.string().max(256).nullish() }).passthrough().optional(),
    thinking: z.object({ type: z.string() }).passthrough().optional(),
  })
  .superRefine((body, context) => {
    const choice = body.tool_choice;
    if (choice?.type === 'tool' && !(body.tools ?? []).some((item) => item.name === choice.name)) {
      context.addIssue({ code: 'custom', path: ['tool_choice', 'name'], message: `"${choice.name}" is not one of the tools given` });
    }
  });

export type MessagesBody = z.output<typeof messagesBodySchema>;

/**
 * The body checked against `messagesBodySchema`: what zod returns, or a `bad_request` naming the
 * first failing field. The common body (text messages, a text system prompt, sampling
 * parameters, no tools) is checked by hand first — the schema costs a few µs and kilobytes of
 * garbage per request; anything else, valid or not, goes to the schema, so every error is the
 * schema's.
 */
export function parseMessagesBody(value: unknown): MessagesBody {
  if (isPlainMessagesBody(value)) return value as MessagesBody;
  return validateInput(messagesBodySchema, value, 'body');
}

const PLAIN_BODY_KEYS = new Set(['model', 'max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream']);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const absentOr = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);
const isNumberIn = (min: number, max: number) => (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** True only when the schema would accept `value` unchanged (every key known, nothing to strip or refine). */
function isPlainMessagesBody(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (!Object.hasOwn(value, key) || !PLAIN_BODY_KEYS.has(key)) return false;
  const { model, max_tokens: maxTokens, messages } = value;
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) return false;
  if (typeof maxTokens !== 'number' || !Number.isSafeInteger(maxTokens) || maxTokens <= 0 || maxTokens > 10_000_000) return false;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > 10_000) return false;
  for (const message of messages) {
    if (!isObject(message)) return false;
    for (const key in message) if (!Object.hasOwn(message, key) || (key !== 'role' && key !== 'content')) return false;
    if ((message.role !== 'user' && message.role !== 'assistant') || typeof message.content !== 'string') return false;
  }
  return (
    absentOr(value.system, (system) => typeof system === 'string') &&
    absentOr(value.temperature, isNumberIn(0, 1)) &&
    absentOr(value.top_p, isNumberIn(0, 1)) &&
    absentOr(value.top_k, (topK) => typeof topK === 'number' && Number.isSafeInteger(topK) && topK >= 0) &&
    absentOr(value.stop_sequences, (stops) => Array.isArray(stops) && stops.length <= 16 && stops.every((stop) => typeof stop === 'string')) &&
    absentOr(value.stream, (stream) => typeof stream === 'boolean')
  );
}

/** `count_tokens` takes the same body without `max_tokens`. */
export const countTokensBodySchema = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1).max(10_000),
  system: z.union([z.string(), z.array(textBlock).max(1000)]).optional(),
  tools: z.array(tool).max(128).optional(),
});

type InboundMessage = z.output<typeof message>;
type InboundBlock = z.output<typeof block>;

export function toChatRequest(body: Pick<MessagesBody, 'model' | 'messages' | 'system' | 'tools'> & Partial<MessagesBody>): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = body.system === undefined ? undefined : typeof body.system === 'string' ? body.system : body.system.map((item) => item.text).join('\n\n');
  if (system) messages.push({ role: 'system', content: system });
  for (const item of body.messages) appendMessage(messages, item);
  const request: ChatRequest = { model: body.model, messages };
  if (body.max_tokens !== undefined) request.maxTokens = body.max_tokens;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  if (body.metadata?.user_id) request.endUser = body.metadata.user_id;
  if (body.tools && body.tools.length > 0) {
    request.tools = body.tools.map((item) => ({ name: item.name, ...(item.description !== undefined ? { description: item.description } : {}), parameters: item.input_schema }));
  }
  const choice = body.tool_choice;
  if (choice) {
    const mapped: ToolChoice = choice.type === 'auto' ? 'auto' : choice.type === 'any' ? 'required' : choice.type === 'none' ? 'none' : { name: choice.name };
    request.toolChoice = mapped;
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use !== undefined) request.parallelToolCalls = !choice.disable_parallel_tool_use;
  }
  return request;
}

/** One Anthropic message may hold tool results and new content: each result becomes a `tool` message. */
function appendMessage(out: ChatMessage[], item: InboundMessage): void {
  if (typeof item.content === 'string') {
    out.push({ role: item.role, content: item.content });
    return;
  }
  const parts: ContentPart[] = [];
  let text = '';
  let rich = false;
  const toolCalls: { id: string; name: string; arguments: string }[] = [];
  for (const entry of item.content as InboundBlock[]) {
    switch (entry.type) {
      case 'text':
        text += (text === '' ? '' : '\n') + entry.text;
        parts.push({ type: 'text', text: entry.text });
        break;
      case 'image':
        rich = true;
        parts.push(entry.source.type === 'base64' ? { type: 'image', data: entry.source.data, mediaType: entry.source.media_type } : { type: 'image', url: entry.source.url });
        break;
      case 'document':
        rich = true;
        parts.push({ type: 'file', data: entry.source.data, mediaType: entry.source.media_type, ...(entry.title ? { filename: entry.title } : {}) });
        break;
      case 'tool_use':
        toolCalls.push({ id: entry.id, name: entry.name, arguments: JSON.stringify(entry.input ?? {}) });
        break;
      case 'tool_result': {
        const content = entry.content === undefined ? '' : typeof entry.content === 'string' ? entry.content : entry.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        out.push({ role: 'tool', toolCallId: entry.tool_use_id, content: entry.is_error ? `Error: ${content}` : content });
        break;
      }
      default:
        break; // thinking blocks: nothing to forward
    }
  }
  if (item.role === 'assistant') {
    if (text !== '' || toolCalls.length > 0) out.push({ role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
    return;
  }
  if (text !== '' || rich) out.push({ role: 'user', content: text, ...(rich ? { parts } : {}) });
}
