import { z } from 'zod';
import type { ChatMessage, ChatRequest } from '../../../core/chat.js';

/**
 * The subset of OpenAI's Chat Completions request Fortitude routes
 * (https://platform.openai.com/docs/api-reference/chat/create). Unknown parameters are ignored,
 * as OpenAI-compatible servers do, so newer SDKs keep working; parameters whose meaning we cannot
 * honour (tools, n > 1, non-text content) are refused with a 400 rather than silently dropped.
 */
const textPart = z.object({
  type: z.literal('text', { error: 'only text content parts are supported' }),
  text: z.string(),
});

const message = z.object({
  // `developer` is OpenAI's newer name for `system`; tool/function messages need tool support.
  role: z.enum(['system', 'developer', 'user', 'assistant'], {
    error: 'must be one of system, developer, user, assistant (tool messages are not supported)',
  }),
  content: z.union([z.string(), z.array(textPart).max(1000)], { error: 'must be a string or an array of text parts' }),
  name: z.string().max(256).optional(),
});

const unsupportedList = (what: string) =>
  z.array(z.unknown()).max(0, { error: `${what} are not supported by this gateway` }).nullish();

export const chatCompletionBodySchema = z.object({
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
  tools: unsupportedList('tools'),
  functions: unsupportedList('functions'),
});

export type ChatCompletionBody = z.output<typeof chatCompletionBodySchema>;

export function toChatRequest(body: ChatCompletionBody): ChatRequest {
  const messages: ChatMessage[] = new Array<ChatMessage>(body.messages.length);
  for (let index = 0; index < body.messages.length; index++) {
    const item = body.messages[index]!;
    const content = typeof item.content === 'string' ? item.content : item.content.map((part) => part.text).join('');
    messages[index] = { role: item.role === 'developer' ? 'system' : item.role, content };
  }
  const request: ChatRequest = { model: body.model, messages };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.user != null) request.user = body.user;
  return request;
}
