import type { IncomingHttpHeaders } from 'node:http';
import {
  headerValue,
  jsonResponse,
  type ChatCall,
  type Completion,
  type EmbedCall,
  type ErrorDetail,
  type ErrorKind,
  type FinishKind,
  type Operation,
  type SimFormat,
  type SimResponse,
} from './sim-format.js';
import { openAiError } from './openai-sim-errors.js';
import { badRequest, parseOpenAiMessages, parseOpenAiToolFields, toolCallDeltas, toolCallsJson } from './openai-sim-tools.js';

/**
 * OpenAI Chat Completions, embeddings and models, byte-compatible with what the official SDK
 * expects (https://platform.openai.com/docs/api-reference). The `openai_compatible` flavour
 * answers like Ollama's `/v1` layer: no key needed, `fp_ollama` fingerprint, usage in the
 * finish chunk of streams.
 */

const FINISH: Readonly<Record<FinishKind, string>> = {
  stop: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
};

function positiveInteger(body: Record<string, unknown>, name: string): number | undefined | SimResponse {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return badRequest(`Invalid type for '${name}': expected an integer, but got ${typeof value} instead.`, name, 'invalid_type');
  }
  if (value < 1) {
    return badRequest(
      `Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
      name,
      'integer_below_min_value',
    );
  }
  return value;
}

function parseStop(value: unknown): string[] | SimResponse {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string')) return value as string[];
  return badRequest("Invalid 'stop': expected a string or an array of at most 4 strings.", 'stop', 'invalid_value');
}

export function createOpenAiSimFormat(kind: 'openai' | 'openai_compatible'): SimFormat {
  const compatible = kind === 'openai_compatible';
  const fingerprint = compatible ? '"fp_ollama"' : '"fp_sim0001"';
  const modelIds = compatible ? ['llama3.2', 'qwen2.5-coder', 'nomic-embed-text'] : ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

  function parseChat(body: unknown, operation: Extract<Operation, { kind: 'chat' }>): ChatCall | SimResponse {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return badRequest('Invalid type for body: expected an object.', undefined, 'invalid_type');
    }
    const record = body as Record<string, unknown>;
    if (typeof record.model !== 'string' || record.model === '') return badRequest('you must provide a model parameter');
    const messages = parseOpenAiMessages(record.messages);
    if (!Array.isArray(messages)) return messages;
    const toolFields = parseOpenAiToolFields(record, messages);
    if ('status' in toolFields) return toolFields;
    const maxCompletion = positiveInteger(record, 'max_completion_tokens');
    if (typeof maxCompletion === 'object') return maxCompletion;
    const maxTokens = positiveInteger(record, 'max_tokens');
    if (typeof maxTokens === 'object') return maxTokens;
    const stop = parseStop(record.stop);
    if (!Array.isArray(stop)) return stop;
    const stream = record.stream === true;
    const streamOptions = record.stream_options as Record<string, unknown> | null | undefined;
    if (streamOptions !== undefined && streamOptions !== null && !stream) {
      return badRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
    }
    return {
      model: record.model,
      messages,
      maxTokens: maxCompletion ?? maxTokens,
      stop,
      stream: stream || operation.stream,
      includeUsage: streamOptions?.include_usage === true,
      usageStyle: compatible ? 'with_finish' : 'separate_chunk',
      ...toolFields,
    };
  }

  function parseEmbed(body: unknown): EmbedCall | SimResponse {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return badRequest('Invalid type for body: expected an object.', undefined, 'invalid_type');
    }
    const record = body as Record<string, unknown>;
    if (typeof record.model !== 'string' || record.model === '') return badRequest('you must provide a model parameter');
    const input = record.input;
    if (input === undefined) return badRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
    let inputs: string[];
    if (typeof input === 'string') inputs = [input];
    else if (Array.isArray(input) && input.length > 0) inputs = input.map((item) => (Array.isArray(item) ? item.join(' ') : String(item)));
    else return badRequest("Invalid 'input': expected a string or a non-empty array.", 'input', 'invalid_value');
    const dimensions = positiveInteger(record, 'dimensions');
    if (typeof dimensions === 'object') return dimensions;
    const encoding = record.encoding_format ?? 'float';
    if (encoding !== 'float' && encoding !== 'base64') {
      return badRequest("Invalid value for 'encoding_format': expected 'float' or 'base64'.", 'encoding_format', 'invalid_value');
    }
    const defaultSize = record.model.includes('large') ? 3072 : compatible ? 768 : 1536;
    return { model: record.model, inputs, dimensions: dimensions ?? defaultSize, encoding };
  }

  function usageJson(completion: Completion): string {
    const total = completion.inputTokens + completion.outputTokens;
    if (compatible) {
      return `{"prompt_tokens":${completion.inputTokens},"completion_tokens":${completion.outputTokens},"total_tokens":${total}}`;
    }
    return `{"prompt_tokens":${completion.inputTokens},"completion_tokens":${completion.outputTokens},"total_tokens":${total},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`;
  }

  function chunkPrefix(completion: Completion): string {
    return `{"id":"${completion.id}","object":"chat.completion.chunk","created":${completion.created},"model":${JSON.stringify(completion.model)},"system_fingerprint":${fingerprint},`;
  }

  function usageNull(call: ChatCall): string {
    return call.includeUsage && call.usageStyle === 'separate_chunk' ? ',"usage":null' : '';
  }

  return {
    kind,
    idPrefix: 'chatcmpl-',
    toolCallIdPrefix: 'call_',
    requiresKey: !compatible,
    hasKey(headers: IncomingHttpHeaders): boolean {
      const value = headerValue(headers, 'authorization');
      return value !== undefined && /^Bearer\s+\S/i.test(value);
    },
    checkHeaders: () => undefined,
    route(method: string, rawPath: string): Operation | undefined {
      const path = rawPath.startsWith('/v1/') ? rawPath.slice(3) : rawPath;
      if (method === 'POST' && path === '/chat/completions') return { kind: 'chat', stream: false, sse: true };
      if (method === 'POST' && path === '/embeddings') return { kind: 'embed', single: false };
      if (method === 'GET' && path === '/models') return { kind: 'models' };
      if (method === 'GET' && path.startsWith('/models/')) return { kind: 'models', id: decodeURIComponent(path.slice(8)) };
      return undefined;
    },
    parseChat,
    parseEmbed,
    chatJson(call: ChatCall, completion: Completion): string {
      const calls = completion.toolCalls.length > 0;
      const content = (completion.finish === 'content_filter' && completion.text === '') || calls ? 'null' : completion.textJson;
      const toolCalls = calls ? `,"tool_calls":${toolCallsJson(completion)}` : '';
      const message = compatible
        ? `{"role":"assistant","content":${content}${toolCalls}}`
        : `{"role":"assistant","content":${content}${toolCalls},"refusal":null,"annotations":[]}`;
      const tail = compatible ? '' : ',"service_tier":"default"';
      return `{"id":"${completion.id}","object":"chat.completion","created":${completion.created},"model":${JSON.stringify(completion.model)},"system_fingerprint":${fingerprint},"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"${FINISH[completion.finish]}"}],"usage":${usageJson(completion)}${tail}}`;
    },
    stream: {
      contentType: 'text/event-stream; charset=utf-8',
      groupSize: 1,
      head(call, completion) {
        const content = completion.toolCalls.length > 0 ? 'null' : '""';
        return `data: ${chunkPrefix(completion)}"choices":[{"index":0,"delta":{"role":"assistant","content":${content}},"logprobs":null,"finish_reason":null}]${usageNull(call)}}\n\n`;
      },
      toolCallEvents(call, completion) {
        return toolCallDeltas(
          completion,
          compatible,
          (delta) => `data: ${chunkPrefix(completion)}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}]${usageNull(call)}}\n\n`,
        );
      },
      delta(call, completion, text) {
        return `data: ${chunkPrefix(completion)}"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]${usageNull(call)}}\n\n`;
      },
      tail(call, completion) {
        const withUsage = call.includeUsage && call.usageStyle === 'with_finish' ? `,"usage":${usageJson(completion)}` : usageNull(call);
        let out = `data: ${chunkPrefix(completion)}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${FINISH[completion.finish]}"}]${withUsage}}\n\n`;
        if (call.includeUsage && call.usageStyle === 'separate_chunk') {
          out += `data: ${chunkPrefix(completion)}"choices":[],"usage":${usageJson(completion)}}\n\n`;
        }
        return `${out}data: [DONE]\n\n`;
      },
      error() {
        return 'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}\n\n';
      },
    },
    embedJson(call, vectors, inputTokens) {
      const data = vectors.map((vector, index) => {
        const embedding = call.encoding === 'base64' ? `"${Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')}"` : `[${Array.from(vector).join(',')}]`;
        return `{"object":"embedding","index":${index},"embedding":${embedding}}`;
      });
      return `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(call.model)},"usage":{"prompt_tokens":${inputTokens},"total_tokens":${inputTokens}}}`;
    },
    countTokensJson: (tokens) => JSON.stringify({ prompt_tokens: tokens }),
    models(operation): SimResponse {
      const model = (id: string) => ({ id, object: 'model', created: 1715367049, owned_by: compatible ? 'library' : 'system' });
      if (operation.id !== undefined) {
        return modelIds.includes(operation.id) ? jsonResponse(200, model(operation.id)) : openAiError('model_not_found', { model: operation.id });
      }
      return jsonResponse(200, { object: 'list', data: modelIds.map(model) });
    },
    error: (kind: ErrorKind, detail?: ErrorDetail) => openAiError(kind, detail ?? {}),
  };
}
