import { performance } from 'node:perf_hooks';
import { countTokensBodySchema, parseMessagesBody, toChatRequest, type MessagesBody } from '../anthropic/messages-request.js';
import { createMessageStreamRenderer, renderMessage } from '../anthropic/messages-response.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import { readJsonBody } from '../read-body.js';
import { validateInput } from '../validate-input.js';
import { gatewayRoute, type RouteDeps } from './route-deps.js';
import { recordFailure, sendGatewayStream } from './gateway-stream.js';

/**
 * Anthropic's Messages API on the same gateway: Claude Code (`ANTHROPIC_BASE_URL`) and the
 * Anthropic SDKs point here; any configured provider may answer (the model picks it, as on
 * `/v1/chat/completions`). Keys come as `x-api-key` or a bearer token; `anthropic-version` is
 * accepted whatever its value.
 */
export function anthropicRoutes(deps: RouteDeps): Route[] {
  return [
    gatewayRoute('anthropic', 'POST', '/v1/messages', (exchange) => messages(deps, exchange)),
    gatewayRoute('anthropic', 'POST', '/v1/messages/count_tokens', (exchange) => countTokens(deps, exchange)),
  ];
}

async function messages(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = parseMessagesBody(await readJsonBody(exchange, deps.bodyLimitBytes));
  const request = toChatRequest(body);
  const context = requestContext(exchange);
  if (body.stream === true) return streamMessages(deps, exchange, body, context);
  const waitStart = performance.now();
  try {
    const answer = await deps.services.chat(request, context);
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: answer.upstreamMs, simulated: answer.simulated };
    sendJson(exchange, 200, renderMessage(answer.result, body.model));
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
}

/** Failures after the first byte are an in-band `event: error`, as Anthropic sends them. */
function streamMessages(deps: RouteDeps, exchange: Exchange, body: MessagesBody, context: ReturnType<typeof requestContext>): Promise<void> {
  return sendGatewayStream(
    deps,
    exchange,
    () => deps.services.chatStream(toChatRequest(body), context),
    () => {
      const renderer = createMessageStreamRenderer({ model: body.model });
      return { start: renderer.start, part: renderer.part, error: (described) => renderer.error(described.code, described.message) };
    },
  );
}

async function countTokens(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(countTokensBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const tokens = await deps.services.countTokens(toChatRequest(body));
  sendJson(exchange, 200, JSON.stringify({ input_tokens: tokens }));
}
