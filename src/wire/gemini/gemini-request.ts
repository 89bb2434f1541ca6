import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../../core/chat.js';
import { imageSource, messageField, toolArguments } from '../content-parts.js';
import { splitSystemMessages, tryParseJson, isRecord, wireError } from '../wire-support.js';
import { toGeminiSchema } from './gemini-schema.js';

/** Translates a core `ChatRequest` into `generateContent` body fields (https://ai.google.dev/api/generate-content). */

const PROVIDER = 'gemini';
type Part = Record<string, unknown>;

function badRequest(message: string): Error {
  return wireError(PROVIDER, 'bad_request', `${PROVIDER}: ${message}`);
}

const IMAGE_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic' };

function partJson(part: ContentPart, field: string): Part {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image': {
      const source = imageSource(part, PROVIDER, field);
      if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
      const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(source.url)?.[1]?.toLowerCase() ?? '';
      // fileData wants a media type; guess from the extension, as Google's own samples do.
      return { fileData: { mimeType: part.mediaType ?? IMAGE_TYPES[extension] ?? 'image/jpeg', fileUri: source.url } };
    }
    case 'file':
      return { inlineData: { mimeType: part.mediaType, data: part.data } };
  }
}

/** The function a tool result answers: its own `name`, else the call with its id earlier in the conversation. */
function resultName(message: ChatMessage, messages: readonly ChatMessage[], field: string): string {
  if (message.name !== undefined && message.name !== '') return message.name;
  const before = messages.slice(0, messages.indexOf(message)).reverse();
  for (const earlier of before) {
    const call = earlier.toolCalls?.find((candidate) => candidate.id === message.toolCallId);
    if (call !== undefined) return call.name;
  }
  throw badRequest(`${field} answers tool call "${message.toolCallId ?? ''}", which no earlier assistant message made; Gemini needs the function name (set name)`);
}

/** `functionResponse.response` must be a JSON object: other results are wrapped as `{ result }`. */
function resultObject(content: string): Record<string, unknown> {
  const parsed = tryParseJson(content);
  if (isRecord(parsed)) return parsed;
  return { result: parsed === undefined ? content : parsed };
}

function messageParts(message: ChatMessage, messages: readonly ChatMessage[]): Part[] {
  const field = messageField(messages, message);
  if (message.role === 'tool') {
    return [{ functionResponse: { name: resultName(message, messages, field), response: resultObject(message.content) } }];
  }
  const parts: Part[] = message.parts
    ? message.parts.map((part, index) => partJson(part, `${field}.content[${index}]`))
    : message.content === ''
      ? []
      : [{ text: message.content }];
  message.toolCalls?.forEach((call, index) => {
    parts.push({ functionCall: { name: call.name, args: toolArguments(call, PROVIDER, `${field}.tool_calls[${index}].function.arguments`) } });
  });
  return parts;
}

export function geminiConversation(request: ChatRequest): { systemInstruction?: Part; contents: Part[] } {
  const { system, turns } = splitSystemMessages(request.messages);
  const contents = turns.map((turn) => {
    const plain = turn.messages.every((message) => message.role !== 'tool' && message.parts === undefined && (message.toolCalls?.length ?? 0) === 0);
    const parts = plain ? [{ text: turn.content }] : turn.messages.flatMap((message) => messageParts(message, request.messages));
    return { role: turn.role === 'assistant' ? 'model' : 'user', parts };
  });
  return system === undefined ? { contents } : { systemInstruction: { parts: [{ text: system }] }, contents };
}

function functionCallingConfig(choice: ToolChoice): Part {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}

/**
 * `tools[{functionDeclarations}]` and `toolConfig`. Gemini has no switch for parallel calls:
 * `parallelToolCalls: false` is best-effort there (docs/gateway.md).
 */
export function geminiTools(request: ChatRequest): { tools?: Part[]; toolConfig?: Part } {
  const declarations = (request.tools ?? []).map((tool) => {
    const parameters = toGeminiSchema(tool.parameters);
    return {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(parameters === undefined ? {} : { parameters }),
    };
  });
  const choice = request.toolChoice;
  if (declarations.length === 0) {
    if (choice !== undefined && choice !== 'none' && choice !== 'auto') {
      throw badRequest('tool_choice names a tool to call but the request has no tools; add tools or drop tool_choice');
    }
    return {};
  }
  const result: { tools: Part[]; toolConfig?: Part } = { tools: [{ functionDeclarations: declarations }] };
  if (choice !== undefined) result.toolConfig = { functionCallingConfig: functionCallingConfig(choice) };
  return result;
}

/** `generationConfig`: sampling, structured output (`responseMimeType` + `responseSchema`), seed, logprobs. */
export function geminiGenerationConfig(request: ChatRequest): Part | undefined {
  const config: Part = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = request.stop;
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema') {
      const schema = toGeminiSchema(format.schema);
      if (schema !== undefined) config.responseSchema = schema;
    }
  }
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.logprobs === true || request.topLogprobs !== undefined) {
    config.responseLogprobs = true;
    if (request.topLogprobs !== undefined) config.logprobs = request.topLogprobs;
  }
  return Object.keys(config).length > 0 ? config : undefined;
}
