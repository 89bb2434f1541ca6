import type { StreamPart } from '../../../core/chat.js';
import { describeError } from '../error-status.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import { readJsonBody } from '../read-body.js';
import { responsesBodySchema, toChatRequest, type ResponsesBody } from '../responses/responses-request.js';
import { createResponseStreamRenderer, renderResponse } from '../responses/responses-response.js';
import { startHeartbeat, startSse, writeFrame } from '../sse-response.js';
import { validateInput } from '../validate-input.js';
import { recordFailure } from './gateway-routes.js';
import type { RouteDeps } from './route-deps.js';

/** OpenAI's Responses API (stateless) on the same gateway core as `/v1/chat/completions`. */
export function responsesRoutes(deps: RouteDeps): Route[] {
  return [{ method: 'POST', path: '/v1/responses', scope: 'gateway', family: 'openai', handle: (exchange) => responses(deps, exchange) }];
}

async function responses(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(responsesBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const request = toChatRequest(body);
  const context = requestContext(exchange);
  if (body.stream === true) return streamResponses(deps, exchange, body, context);
  const waitStart = performance.now();
  try {
    const answer = await deps.services.chat(request, context);
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: answer.upstreamMs, simulated: answer.simulated };
    sendJson(exchange, 200, renderResponse(answer.result, body));
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
}

async function streamResponses(deps: RouteDeps, exchange: Exchange, body: ResponsesBody, context: ReturnType<typeof requestContext>): Promise<void> {
  const waitStart = performance.now();
  let iterator: AsyncIterator<StreamPart>;
  let next: IteratorResult<StreamPart>;
  try {
    const answer = await deps.services.chatStream(toChatRequest(body), context);
    iterator = answer.stream[Symbol.asyncIterator]();
    const firstWait = performance.now();
    next = await iterator.next();
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: (answer.upstreamMs ?? 0) + (performance.now() - firstWait), simulated: answer.simulated };
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
  const response = exchange.response;
  const renderer = createResponseStreamRenderer(body);
  startSse(exchange);
  const stopHeartbeat = startHeartbeat(response, deps.sseHeartbeatMs);
  try {
    if (await writeFrame(response, renderer.start())) {
      while (next.done !== true) {
        const part = next.value;
        if (!(await writeFrame(response, renderer.part(part)))) break;
        if (part.type === 'finish') {
          response.end();
          do next = await iterator.next();
          while (next.done !== true);
          return;
        }
        next = await iterator.next();
      }
    }
  } catch (error) {
    const described = describeError(error);
    if (described.unexpected) deps.logger.error({ err: error, requestId: exchange.requestId }, 'responses stream failed');
    await writeFrame(response, renderer.error(described.code, described.message));
  } finally {
    stopHeartbeat();
    await iterator.return?.().catch(() => undefined);
  }
  if (!response.writableEnded) response.end();
}
