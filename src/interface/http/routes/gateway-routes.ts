import { performance } from 'node:perf_hooks';
import { FortitudeError } from '../../../core/errors.js';
import type { ChatRequest } from '../../../core/chat.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import type { RequestContext } from '../http-services.js';
import { parseChatCompletionBody, toChatRequest, type ChatCompletionBody } from '../openai/chat-request.js';
import { completionId, createChunkRenderer, renderChatCompletion } from '../openai/chat-response.js';
import { embeddingBodySchema, renderEmbeddings, toEmbeddingRequest } from '../openai/embeddings.js';
import { readJsonBody } from '../read-body.js';
import { renderError } from '../send-error.js';
import { validateInput } from '../validate-input.js';
import { recordFailure, sendGatewayStream } from './gateway-stream.js';
import { gatewayRoute, type RouteDeps } from './route-deps.js';

/** The OpenAI-compatible gateway: any OpenAI client can point its base URL at `/v1`. */
export function gatewayRoutes(deps: RouteDeps): Route[] {
  const startedAtSeconds = nowSeconds();
  return [
    gatewayRoute('openai', 'POST', '/v1/chat/completions', (exchange) => chatCompletions(deps, exchange)),
    gatewayRoute('openai', 'POST', '/v1/embeddings', (exchange) => embeddings(deps, exchange)),
    gatewayRoute('openai', 'GET', '/v1/models', async (exchange) => {
      const models = await deps.services.models();
      const data = models.map((model) => ({ id: model.id, object: 'model', created: startedAtSeconds, owned_by: model.owned_by }));
      sendJson(exchange, 200, JSON.stringify({ object: 'list', data }));
    }),
    gatewayRoute('openai', 'GET', '/v1/models/:id', async (exchange) => {
      const id = decodeURIComponent(exchange.params.id ?? '');
      const model = (await deps.services.models()).find((candidate) => candidate.id === id);
      if (!model) throw new FortitudeError('model_not_found', `model: "${id}" is not served here; GET /v1/models lists the models`, { details: { field: 'model' } });
      sendJson(exchange, 200, JSON.stringify({ id: model.id, object: 'model', created: startedAtSeconds, owned_by: model.owned_by }));
    }),
  ];
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function chatCompletions(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = parseChatCompletionBody(await readJsonBody(exchange, deps.bodyLimitBytes));
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

/** Failures after the first byte are an in-band `data: {"error":…}` frame, which OpenAI SDKs raise as an APIError. */
function streamChat(deps: RouteDeps, exchange: Exchange, body: ChatCompletionBody, request: ChatRequest, context: RequestContext): Promise<void> {
  return sendGatewayStream(
    deps,
    exchange,
    () => deps.services.chatStream(request, context),
    (opened) => {
      const renderer = createChunkRenderer({
        id: completionId(undefined),
        model: request.model,
        created: nowSeconds(),
        includeUsage: body.stream_options?.include_usage === true,
        simulated: opened.simulated,
      });
      return {
        start: () => renderer.role(),
        // The finish frame ends with `[DONE]`.
        part: (part) => (part.type === 'text' ? renderer.text(part.text) : part.type === 'tool_call' ? renderer.toolCall(part) : renderer.finish(part)),
        error: (described) => renderer.error(renderError('openai', described, exchange.requestId)),
        endWithoutFinish: () => 'data: [DONE]\n\n',
      };
    },
  );
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
