import { FortitudeError } from '../../../core/errors.js';
import { researchResultJson, withRoundedCost, type ResearchRequest, type ResearchStreamEvent } from '../../../core/research.js';
import {
  feedbackBodySchema,
  researchBodySchema,
  resultIdSchema,
  searchQuerySchema,
  toResearchRequest,
} from '../api/research-schemas.js';
import { describeError } from '../error-status.js';
import { requestContext, sendJson, type Exchange, type Route } from '../exchange.js';
import type { RequestContext } from '../http-services.js';
import { readJsonBody } from '../read-body.js';
import { namedEvent, startHeartbeat, startSse, writeFrame } from '../sse-response.js';
import { validateInput } from '../validate-input.js';
import type { RouteDeps } from './route-deps.js';

/** `/api/research*` and `/api/feedback`: the pipeline, the library, feedback. */
export function researchRoutes(deps: RouteDeps): Route[] {
  return [
    { method: 'POST', path: '/api/research', scope: 'research', family: 'api', handle: (exchange) => postResearch(deps, exchange) },
    { method: 'GET', path: '/api/research', scope: 'research', family: 'api', handle: (exchange) => searchLibrary(deps, exchange) },
    { method: 'GET', path: '/api/research/:id', scope: 'research', family: 'api', handle: (exchange) => getResult(deps, exchange) },
    { method: 'POST', path: '/api/feedback', scope: 'research', family: 'api', handle: (exchange) => postFeedback(deps, exchange) },
  ];
}

async function postResearch(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(researchBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const request = toResearchRequest(body, exchange.identity?.name);
  const context = requestContext(exchange, body.cache);
  // `cache-control: no-store | no-cache` on the request means the same as the body's `cache`.
  if (context.cache.bypass || context.cache.refresh) {
    request.cache = { ...request.cache, ...(context.cache.bypass ? { bypass: true } : {}), ...(context.cache.refresh ? { refresh: true } : {}) };
  }
  if (body.stream === true) return streamResearch(deps, exchange, request, context);
  const result = await deps.services.research(request, context);
  sendJson(exchange, 200, researchResultJson(result));
}

/**
 * SSE: `event: <type>` with the event object as `data` (`stage`, `classification`, `text`,
 * `result`). A failure before the first event is an ordinary JSON error with its status; after
 * it, an `event: error` with `{ code, message, requestId }` ends the stream.
 */
async function streamResearch(deps: RouteDeps, exchange: Exchange, request: ResearchRequest, context: RequestContext): Promise<void> {
  const iterator = deps.services.researchStream(request, context)[Symbol.asyncIterator]();
  let next = await iterator.next();
  const response = exchange.response;
  startSse(exchange);
  const stopHeartbeat = startHeartbeat(response, deps.sseHeartbeatMs);
  try {
    while (next.done !== true) {
      if (!(await writeFrame(response, renderEvent(next.value)))) break;
      next = await iterator.next();
    }
  } catch (error) {
    const described = describeError(error);
    // A client that went away aborts the pipeline: the server already logged that (debug) and
    // counted it (api_client_aborts_total); the AbortError it causes is not a failure.
    if (described.unexpected && !exchange.aborted) deps.logger.error({ err: error, requestId: exchange.requestId }, 'research stream failed');
    const payload = JSON.stringify({ code: described.code, message: described.message, requestId: exchange.requestId });
    await writeFrame(response, namedEvent('error', payload));
  } finally {
    stopHeartbeat();
    await iterator.return?.().catch(() => undefined);
  }
  response.end();
}

function renderEvent(event: ResearchStreamEvent): string {
  return namedEvent(event.type, JSON.stringify(event.type === 'result' ? { ...event, result: withRoundedCost(event.result) } : event));
}

async function searchLibrary(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const query = validateInput(searchQuerySchema, queryObject(exchange.query), 'query');
  // The caller (the API key) decides which stored results exist for this request.
  const caller = exchange.identity;
  const filter = { limit: query.limit, offset: query.offset, caller, ...(query.type ? { type: query.type } : {}) };
  const page = query.q ? await deps.services.searchResults({ q: query.q, ...filter }) : await deps.services.listResults(filter);
  // The API lists whole results (the CLI and MCP list summaries).
  const items = (await Promise.all(page.items.map((item) => deps.services.getResult(item.id, caller)))).filter((result) => result !== undefined).map(withRoundedCost);
  sendJson(exchange, 200, JSON.stringify({ items, total: page.total, limit: query.limit, offset: query.offset }));
}

async function getResult(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const id = validateInput(resultIdSchema, decodeParam(exchange.params.id ?? ''), 'id');
  const result = await deps.services.getResult(id, exchange.identity);
  if (result === undefined) throw new FortitudeError('not_found', `no research result with id ${JSON.stringify(id)}`);
  sendJson(exchange, 200, researchResultJson(result));
}

async function postFeedback(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const body = validateInput(feedbackBodySchema, await readJsonBody(exchange, deps.bodyLimitBytes), 'body');
  const saved = await deps.services.submitFeedback({
    resultId: body.result_id,
    rating: body.rating,
    ...(body.comment === undefined ? {} : { comment: body.comment }),
    user: exchange.identity?.name ?? 'anonymous',
    caller: exchange.identity,
  });
  sendJson(exchange, 201, JSON.stringify({ id: saved.id, resultId: saved.resultId, rating: body.rating }));
}

/** First value per key; URLSearchParams decodes `+` and `%xx` without throwing. */
export function queryObject(query: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (query === '') return out;
  for (const [key, value] of new URLSearchParams(query)) {
    if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new FortitudeError('bad_request', 'id: malformed percent-encoding', { details: { field: 'id' } });
  }
}
