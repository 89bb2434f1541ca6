import type { IncomingHttpHeaders } from 'node:http';
import {
  headerValue,
  jsonResponse,
  type ChatCall,
  type Completion,
  type EmbedCall,
  type FinishKind,
  type Operation,
  type SimFormat,
  type SimMessage,
  type SimResponse,
} from './sim-format.js';
import { geminiError } from './gemini-sim-errors.js';
import { geminiContent, parseGeminiToolFields } from './gemini-sim-tools.js';

/**
 * Gemini API (https://ai.google.dev/api): `models/{model}:generateContent`,
 * `:streamGenerateContent` (SSE with `alt=sse`, else a JSON array), `:embedContent`,
 * `:batchEmbedContents`, `:countTokens` and the model list, under `/v1beta` (or `/v1`).
 * The key comes in `x-goog-api-key` or `?key=`. SSE events end in CRLF CRLF, as Google's do.
 */

const FINISH: Readonly<Record<FinishKind, string>> = {
  stop: 'STOP',
  stop_sequence: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
  // Gemini reports STOP after function calls too.
  tool_calls: 'STOP',
};

const MODELS = ['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'];
const ROUTE = /^\/(v1beta|v1|v1alpha)\/models(?:\/([^:/]+)(?::([A-Za-z]+))?)?$/;

const bad = (message: string) => geminiError('bad_request', { message });

function partsText(content: unknown, where: string): string | SimResponse {
  const parts = (content as Record<string, unknown> | undefined)?.parts;
  if (!Array.isArray(parts) || parts.length === 0) return bad(`* GenerateContentRequest.${where}.parts: contents.parts must not be empty.\n`);
  let text = '';
  for (const part of parts) {
    const value = (part as Record<string, unknown> | null)?.text;
    if (typeof value === 'string') text += value;
  }
  return text;
}

function parseChat(body: unknown, operation: Extract<Operation, { kind: 'chat' }>): ChatCall | SimResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('Invalid JSON payload received. Expected an object.');
  const record = body as Record<string, unknown>;
  const contents = record.contents;
  if (contents === undefined) return bad('* GenerateContentRequest.contents: contents is not specified\n');
  if (!Array.isArray(contents) || contents.length === 0) return bad('* GenerateContentRequest.contents: contents is not specified\n');
  const messages: SimMessage[] = [];
  if (record.systemInstruction !== undefined) {
    const text = partsText(record.systemInstruction, 'system_instruction');
    if (typeof text !== 'string') return text;
    messages.push({ role: 'system', text });
  }
  for (const [index, content] of contents.entries()) {
    const parsed = geminiContent(content, index, bad);
    if (!Array.isArray(parsed)) return parsed;
    messages.push(...parsed);
  }
  const config = (record.generationConfig ?? {}) as Record<string, unknown>;
  const tools = parseGeminiToolFields(record, config, bad);
  if ('status' in tools) return tools;
  const maxTokens = config.maxOutputTokens;
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    return bad('* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer.\n');
  }
  const stop = config.stopSequences;
  if (stop !== undefined && !(Array.isArray(stop) && stop.length <= 5 && stop.every((item) => typeof item === 'string'))) {
    return bad('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.\n');
  }
  return {
    model: operation.model ?? '',
    messages,
    maxTokens: maxTokens as number | undefined,
    stop: (stop as string[] | undefined) ?? [],
    stream: operation.stream,
    includeUsage: true,
    usageStyle: 'separate_chunk',
    ...tools,
  };
}

function parseEmbed(body: unknown, operation: Extract<Operation, { kind: 'embed' }>): EmbedCall | SimResponse {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const requests = operation.single ? [record] : record.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    return bad('* BatchEmbedContentsRequest.requests: requests is not specified\n');
  }
  const inputs: string[] = [];
  let dimensions: number | undefined;
  for (const request of requests) {
    const item = (request ?? {}) as Record<string, unknown>;
    const text = partsText(item.content, 'content');
    if (typeof text !== 'string') return text;
    inputs.push(text);
    if (typeof item.outputDimensionality === 'number') dimensions = item.outputDimensionality;
  }
  const model = operation.model ?? '';
  return { model, inputs, dimensions: dimensions ?? (model.startsWith('gemini-embedding') ? 3072 : 768), encoding: 'float' };
}

function usageJson(completion: Completion, final: boolean): string {
  const prompt = completion.inputTokens;
  const details = `"promptTokensDetails":[{"modality":"TEXT","tokenCount":${prompt}}]`;
  if (!final) return `{"promptTokenCount":${prompt},"totalTokenCount":${prompt},${details}}`;
  const output = completion.outputTokens;
  return `{"promptTokenCount":${prompt},"candidatesTokenCount":${output},"totalTokenCount":${prompt + output},${details}}`;
}

function responseJson(completion: Completion, textJson: string | undefined, finish: boolean): string {
  const partsJson = completion.toolCalls.length > 0 ? functionCallParts(completion) : textJson === undefined ? undefined : `[{"text":${textJson}}]`;
  const parts = partsJson === undefined ? '' : `"content":{"parts":${partsJson},"role":"model"},`;
  const reason = finish ? `,"finishReason":"${FINISH[completion.finish]}"` : '';
  const safety =
    finish && completion.finish === 'content_filter'
      ? ',"safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]'
      : '';
  return `{"candidates":[{${parts}"index":0${reason}${safety}}],"usageMetadata":${usageJson(completion, finish)},"modelVersion":${JSON.stringify(completion.model)},"responseId":"${completion.id}"}`;
}

function functionCallParts(completion: Completion): string {
  return JSON.stringify(completion.toolCalls.map((call) => ({ functionCall: { name: call.name, args: JSON.parse(call.arguments) as unknown } })));
}

/** The whole answer's stream chunks as JSON strings (text groups, then the finish chunk). */
function streamChunks(completion: Completion, groupSize: number): string[] {
  // Function calls come whole, in the finishing chunk.
  if (completion.toolCalls.length > 0) return [finalChunk(completion)];
  const chunks: string[] = [];
  const pieces = completion.pieces();
  for (let i = 0; i < pieces.length; i += groupSize) {
    chunks.push(responseJson(completion, JSON.stringify(pieces.slice(i, i + groupSize).join('')), false));
  }
  chunks.push(finalChunk(completion));
  return chunks;
}

function finalChunk(completion: Completion): string {
  return responseJson(completion, completion.finish === 'content_filter' ? undefined : '""', true);
}

const GROUP_SIZE = 8;

export function createGeminiSimFormat(): SimFormat {
  return {
    kind: 'gemini',
    idPrefix: '',
    requiresKey: true,
    hasKey: (headers: IncomingHttpHeaders, query: URLSearchParams) =>
      (headerValue(headers, 'x-goog-api-key') ?? query.get('key') ?? '') !== '',
    checkHeaders: () => undefined,
    route(method: string, path: string, query: URLSearchParams): Operation | undefined {
      const match = ROUTE.exec(path);
      if (match === null) return undefined;
      const model = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
      const action = match[3];
      if (method === 'GET' && action === undefined) return model === undefined ? { kind: 'models' } : { kind: 'models', id: model };
      if (method !== 'POST' || model === undefined) return undefined;
      switch (action) {
        case 'generateContent':
          return { kind: 'chat', stream: false, model, sse: false };
        case 'streamGenerateContent':
          return { kind: 'chat', stream: true, model, sse: query.get('alt') === 'sse' };
        case 'embedContent':
          return { kind: 'embed', model, single: true };
        case 'batchEmbedContents':
          return { kind: 'embed', model, single: false };
        case 'countTokens':
          return { kind: 'count_tokens', model };
        default:
          return undefined;
      }
    },
    parseChat,
    parseEmbed,
    chatJson: (_call, completion) =>
      responseJson(completion, completion.finish === 'content_filter' ? undefined : completion.textJson, true),
    stream: {
      contentType: 'text/event-stream',
      groupSize: GROUP_SIZE,
      head: () => '',
      delta: (_call, completion, text) => `data: ${responseJson(completion, JSON.stringify(text), false)}\r\n\r\n`,
      tail: (_call, completion) => (completion.toolCalls.length > 0 ? '' : `data: ${finalChunk(completion)}\r\n\r\n`),
      toolCallEvents: (_call, completion) => [`data: ${finalChunk(completion)}\r\n\r\n`],
      error: () =>
        'data: {"error":{"code":500,"message":"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting","status":"INTERNAL"}}\r\n\r\n',
    },
    streamAsJsonArray: (_call, completion) => `[${streamChunks(completion, GROUP_SIZE).join(',\r\n')}]`,
    embedJson(_call, vectors, _tokens, single) {
      const values = vectors.map((vector) => `{"values":[${Array.from(vector).join(',')}]}`);
      return single ? `{"embedding":${values[0] ?? '{"values":[]}'}}` : `{"embeddings":[${values.join(',')}]}`;
    },
    countTokensJson: (tokens) => `{"totalTokens":${tokens},"promptTokensDetails":[{"modality":"TEXT","tokenCount":${tokens}}]}`,
    models(operation): SimResponse {
      const model = (id: string) => ({
        name: `models/${id}`,
        version: '001',
        displayName: id,
        inputTokenLimit: 1048576,
        outputTokenLimit: 8192,
        supportedGenerationMethods: id.includes('embedding') ? ['embedContent'] : ['generateContent', 'countTokens'],
      });
      if (operation.id !== undefined) {
        return MODELS.includes(operation.id) ? jsonResponse(200, model(operation.id)) : geminiError('model_not_found', { model: operation.id });
      }
      return jsonResponse(200, { models: MODELS.map(model) });
    },
    error: (kind, detail) => geminiError(kind, detail ?? {}),
  };
}
