import type { StreamPart } from '../../../core/chat.js';
import { countTokensBodySchema, messagesBodySchema, toChatRequest, type MessagesBody } from '../anthropic/messages-request.js';
import { createMessageStreamRenderer, renderMessage } from '../anthropic/messages-response.js';
import { describeError } from '../error-status.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import { readJsonBody } from '../read-body.js';
import { startHeartbeat, startSse, writeFrame } from '../sse-response.js';
import { validateInput } from '../validate-input.js';
import type { RouteDeps } from './route-deps.js';
import { recordFailure } from './gateway-routes.js';

/**
 * Anthropic's Messages API on the same gateway: Claude Code (`ANTHROPIC_BASE_URL`) and the
 * Anthropic SDKs point here; any configured provider may answer (the model picks it, as on
 * `/v1/chat/completions`). Keys come as `x-api-key` or a bearer token; `anthropic-version` is
 * accepted whatever its value.
 */
export function anthropicRoutes(deps: RouteDeps): Route[] {
  return [
    { method: 'POST', path: '/v1/messages', scope: 'gateway', family: 'anthropic', handle: (exchange) => messages(deps, exchange) },
    { method: 'POST', path: '/v1/messages/count_tokens', scope: 'gateway', family: 'anthropic', handle: (exchange) => countTokens(deps, exchange) },
  ];
}

async function messages(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(messagesBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
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

/** As the OpenAI stream: the first part is awaited before the status line, so early failures are plain JSON errors. */
async function streamMessages(deps: RouteDeps, exchange: Exchange, body: MessagesBody, context: ReturnType<typeof requestContext>): Promise<void> {
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
  const renderer = createMessageStreamRenderer({ model: body.model });
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
    if (described.unexpected) deps.logger.error({ err: error, requestId: exchange.requestId }, 'messages stream failed');
    await writeFrame(response, renderer.error(described.code, described.message));
  } finally {
    stopHeartbeat();
    // Whatever ended the loop, the provider's stream is closed: its slot and reservation are released.
    await iterator.return?.().catch(() => undefined);
  }
  if (!response.writableEnded) response.end();
}

async function countTokens(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(countTokensBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const tokens = await deps.services.countTokens(toChatRequest(body));
  sendJson(exchange, 200, JSON.stringify({ input_tokens: tokens }));
}
