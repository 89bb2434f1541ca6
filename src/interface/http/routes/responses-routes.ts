import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import { readJsonBody } from '../read-body.js';
import { responsesBodySchema, toChatRequest, type ResponsesBody } from '../responses/responses-request.js';
import { createResponseStreamRenderer, renderResponse } from '../responses/responses-response.js';
import { validateInput } from '../validate-input.js';
import { recordFailure, sendGatewayStream } from './gateway-stream.js';
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

function streamResponses(deps: RouteDeps, exchange: Exchange, body: ResponsesBody, context: ReturnType<typeof requestContext>): Promise<void> {
  return sendGatewayStream(
    deps,
    exchange,
    () => deps.services.chatStream(toChatRequest(body), context),
    () => {
      const renderer = createResponseStreamRenderer(body);
      return { start: renderer.start, part: renderer.part, error: (described) => renderer.error(described.code, described.message) };
    },
  );
}
