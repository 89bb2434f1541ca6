import { FortitudeError, ProviderError } from '../../../core/errors.js';
import type { ChatRequest, StreamPart } from '../../../core/chat.js';
import { describeError } from '../error-status.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import type { RequestContext } from '../http-services.js';
import { chatCompletionBodySchema, toChatRequest, type ChatCompletionBody } from '../openai/chat-request.js';
import { completionId, createChunkRenderer, renderChatCompletion } from '../openai/chat-response.js';
import { embeddingBodySchema, renderEmbeddings, toEmbeddingRequest } from '../openai/embeddings.js';
import { readJsonBody } from '../read-body.js';
import { renderError } from '../send-error.js';
import { startHeartbeat, startSse, writeFrame } from '../sse-response.js';
import { validateInput } from '../validate-input.js';
import type { RouteDeps } from './route-deps.js';

/** The OpenAI-compatible gateway: any OpenAI client can point its base URL at `/v1`. */
export function gatewayRoutes(deps: RouteDeps): Route[] {
  const startedAtSeconds = nowSeconds();
  return [
    { method: 'POST', path: '/v1/chat/completions', scope: 'gateway', family: 'openai', handle: (exchange) => chatCompletions(deps, exchange) },
    { method: 'POST', path: '/v1/embeddings', scope: 'gateway', family: 'openai', handle: (exchange) => embeddings(deps, exchange) },
    {
      method: 'GET',
      path: '/v1/models',
      scope: 'gateway',
      family: 'openai',
      handle: async (exchange) => {
        const models = await deps.services.models();
        const data = models.map((model) => ({ id: model.id, object: 'model', created: startedAtSeconds, owned_by: model.owned_by }));
        sendJson(exchange, 200, JSON.stringify({ object: 'list', data }));
      },
    },
    {
      method: 'GET',
      path: '/v1/models/:id',
      scope: 'gateway',
      family: 'openai',
      handle: async (exchange) => {
        const id = decodeURIComponent(exchange.params.id ?? '');
        const model = (await deps.services.models()).find((candidate) => candidate.id === id);
        if (!model) throw new FortitudeError('model_not_found', `model: "${id}" is not served here; GET /v1/models lists the models`, { details: { field: 'model' } });
        sendJson(exchange, 200, JSON.stringify({ id: model.id, object: 'model', created: startedAtSeconds, owned_by: model.owned_by }));
      },
    },
  ];
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function chatCompletions(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(chatCompletionBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const request = toChatRequest(body);
  const context = requestContext(exchange);
  if (body.stream === true) return streamChat(deps, exchange, body, request, context);
  const waitStart = performance.now();
  try {
    const answer = await deps.services.chat(request, context);
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: answer.upstreamMs, simulated: answer.simulated };
    sendJson(exchange, 200, renderChatCompletion(answer.result, nowSeconds(), answer.simulated));
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
}

/**
 * The first part is awaited before the status line is written, so a failure before any byte
 * (after the services' fallback) is still an ordinary JSON error with its status. Later
 * failures are an in-band `data: {"error":…}` frame, which OpenAI SDKs raise as an APIError.
 */
async function streamChat(
  deps: RouteDeps,
  exchange: Exchange,
  body: ChatCompletionBody,
  request: ChatRequest,
  context: RequestContext,
): Promise<void> {
  const waitStart = performance.now();
  let iterator: AsyncIterator<StreamPart>;
  let next: IteratorResult<StreamPart>;
  let reportedUpstreamMs = 0;
  let provider: string;
  let cache: string;
  let simulated: boolean;
  try {
    const answer = await deps.services.chatStream(request, context);
    provider = answer.provider;
    cache = answer.cache;
    simulated = answer.simulated;
    reportedUpstreamMs = answer.upstreamMs ?? 0;
    iterator = answer.stream[Symbol.asyncIterator]();
    const firstWait = performance.now();
    next = await iterator.next();
    exchange.gateway = { provider, cache, upstreamMs: reportedUpstreamMs + (performance.now() - firstWait), simulated };
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }

  const response = exchange.response;
  const renderer = createChunkRenderer({
    id: completionId(undefined),
    model: request.model,
    created: nowSeconds(),
    includeUsage: body.stream_options?.include_usage === true,
    simulated,
  });
  startSse(exchange);
  const stopHeartbeat = startHeartbeat(response, deps.sseHeartbeatMs);
  try {
    if (await writeFrame(response, renderer.role())) {
      while (next.done !== true) {
        const part = next.value;
        const frame = part.type === 'text' ? renderer.text(part.text) : part.type === 'tool_call' ? renderer.toolCall(part) : renderer.finish(part);
        // A client that has gone stops the upstream (finally, below).
        if (!(await writeFrame(response, frame))) break;
        if (part.type === 'finish') {
          // The finish frame ends with `[DONE]`: the client has everything. Reading the upstream
          // to its end (it is at its own `[DONE]`) keeps its connection reusable.
          response.end();
          do next = await iterator.next();
          while (next.done !== true);
          return;
        }
        next = await iterator.next();
      }
      if (next.done === true) await writeFrame(response, 'data: [DONE]\n\n');
    }
  } catch (error) {
    const described = describeError(error);
    if (described.unexpected) deps.logger.error({ err: error, requestId: exchange.requestId }, 'chat stream failed');
    await writeFrame(response, renderer.error(renderError('openai', described, exchange.requestId)));
  } finally {
    stopHeartbeat();
    // Whatever ended the loop (finish, a client gone, a failure), the provider's stream is closed,
    // which releases its concurrency slot and settles its budget reservation.
    await iterator.return?.().catch(() => undefined);
  }
  if (!response.writableEnded) response.end();
}

async function embeddings(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(embeddingBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const waitStart = performance.now();
  try {
    const answer = await deps.services.embed(toEmbeddingRequest(body), requestContext(exchange));
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: answer.upstreamMs, simulated: answer.simulated };
    sendJson(exchange, 200, renderEmbeddings(answer.result, body.encoding_format ?? 'float'));
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
}

/** On failure the whole wait in the services counts as upstream, so overhead is not inflated. */
export function recordFailure(exchange: Exchange, error: unknown, waitedMs: number): void {
  exchange.gateway ??= {
    provider: error instanceof ProviderError ? error.provider : 'none',
    cache: 'miss',
    upstreamMs: waitedMs,
  };
}
