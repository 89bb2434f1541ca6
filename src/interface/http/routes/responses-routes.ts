import { performance } from 'node:perf_hooks';
import type { ChatMessage } from '../../../core/chat.js';
import { FortitudeError } from '../../../core/errors.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import type { RequestContext } from '../http-services.js';
import { readJsonBody } from '../read-body.js';
import { inputMessages, outputMessages, responsesBodySchema, toChatRequest, type ResponsesBody } from '../responses/responses-request.js';
import { buildResponse, createResponseStreamRenderer, type ResponseMeta, type ResponseObject } from '../responses/responses-response.js';
import { validateInput } from '../validate-input.js';
import { recordFailure, sendGatewayStream } from './gateway-stream.js';
import { gatewayRoute, type RouteDeps } from './route-deps.js';

/**
 * OpenAI's Responses API on the same gateway core as `/v1/chat/completions`. Responses are stored
 * (unless `store: false`) for the API key that created them: `previous_response_id` continues one,
 * `GET`/`DELETE /v1/responses/{id}` read and delete it. Another key's response is a 404, as if it
 * did not exist.
 */
export function responsesRoutes(deps: RouteDeps): Route[] {
  return [
    gatewayRoute('openai', 'POST', '/v1/responses', (exchange) => responses(deps, exchange)),
    gatewayRoute('openai', 'GET', '/v1/responses/:id', async (exchange) => {
      const id = responseIdOf(exchange);
      const stored = await deps.services.storedResponses?.get(ownerOf(exchange), id);
      if (stored === undefined) throw responseNotFound(id, 'id');
      sendJson(exchange, 200, JSON.stringify(stored.response));
    }),
    gatewayRoute('openai', 'DELETE', '/v1/responses/:id', async (exchange) => {
      const id = responseIdOf(exchange);
      const deleted = (await deps.services.storedResponses?.delete(ownerOf(exchange), id)) ?? false;
      if (!deleted) throw responseNotFound(id, 'id');
      sendJson(exchange, 200, JSON.stringify({ id, object: 'response', deleted: true }));
    }),
  ];
}

/** The API key that owns the responses this request may store and read; undefined with auth off. */
function ownerOf(exchange: Exchange): string | undefined {
  return exchange.identity?.name;
}

function responseIdOf(exchange: Exchange): string {
  return decodeURIComponent(exchange.params.id ?? '');
}

function responseNotFound(id: string, field: string): FortitudeError {
  return new FortitudeError(
    'not_found',
    `${field}: no stored response "${id.slice(0, 256)}" for this API key (it is unknown, expired, deleted, was created with store: false or by another key)`,
    { details: { field } },
  );
}

interface Turn {
  body: ResponsesBody;
  meta: ResponseMeta;
  /** The conversation before this turn's output (stored conversation + this input). */
  conversation: ChatMessage[];
  /** Stores the finished response; undefined when it is not stored. */
  save: ((response: ResponseObject) => Promise<void>) | undefined;
}

async function prepareTurn(deps: RouteDeps, exchange: Exchange, body: ResponsesBody): Promise<Turn> {
  const store = deps.services.storedResponses;
  const owner = ownerOf(exchange);
  let previous: ChatMessage[] = [];
  const previousId = body.previous_response_id ?? null;
  if (previousId !== null) {
    if (store === undefined) {
      throw new FortitudeError('bad_request', 'previous_response_id: this server keeps no responses; send the whole conversation as input items', { details: { field: 'previous_response_id' } });
    }
    const stored = await store.get(owner, previousId);
    if (stored === undefined) throw responseNotFound(previousId, 'previous_response_id');
    previous = stored.conversation;
  }
  const conversation = [...previous, ...inputMessages(body)];
  const keep = store !== undefined && body.store !== false;
  const save = keep
    ? (response: ResponseObject) => store.save(owner, { id: response.id, response, conversation: [...conversation, ...outputMessages(response.output)] })
    : undefined;
  return { body, meta: { store: keep, previousResponseId: previousId }, conversation, save };
}

async function responses(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(responsesBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const turn = await prepareTurn(deps, exchange, body);
  const context = requestContext(exchange);
  if (body.stream === true) return streamResponses(deps, exchange, turn, context);
  const waitStart = performance.now();
  try {
    const answer = await deps.services.chat(toChatRequest(body, turn.conversation), context);
    exchange.gateway = { provider: answer.provider, cache: answer.cache, upstreamMs: answer.upstreamMs, simulated: answer.simulated };
    const response = buildResponse(answer.result, body, turn.meta);
    // Stored before the answer is sent: a client continuing from it at once finds it.
    await turn.save?.(response);
    sendJson(exchange, 200, JSON.stringify(response));
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
}

function streamResponses(deps: RouteDeps, exchange: Exchange, turn: Turn, context: RequestContext): Promise<void> {
  return sendGatewayStream(
    deps,
    exchange,
    () => deps.services.chatStream(toChatRequest(turn.body, turn.conversation), context),
    () => {
      const renderer = createResponseStreamRenderer(turn.body, turn.meta, turn.save);
      return { start: renderer.start, part: renderer.part, error: (described) => renderer.error(described.code, described.message) };
    },
  );
}
