import { pipeline } from 'node:stream/promises';
import { FortitudeError, isFortitudeError } from '../../../core/errors.js';
import type { ServerObservability } from '../../../pipeline/fortitude.js';
import { DASHBOARD_CSP, DASHBOARD_PATH, dashboardAssets, type StaticAsset } from '../../dashboard/static-assets.js';
import { ANALYSIS_COMPONENTS, type AnalysisComponent } from '../../../operations/profiling/performance-analysis.js';
import { MAX_PROFILE_MS, MIN_PROFILE_MS, type ProfileKind, type ProfileRequest } from '../../../operations/profiling/profiling-service.js';
import { JSON_TYPE, requestContext, sendBody, sendJson, type Exchange, type Route } from '../exchange.js';
import type { HttpLogger } from '../http-logger.js';
import type { RouteDeps } from './route-deps.js';

/**
 * The dashboard (`/dashboard`, public static files: the data behind them needs the admin scope),
 * its data, alerts, performance analysis and report, and on-demand profiles of this process.
 *
 * Profiles run for up to 10 minutes, longer than the request timeout: when a profile has not
 * finished within a second, the 200 and its headers go out at once and a space is written every
 * 10 s (JSON ignores leading whitespace) until the result follows; a failure after that point is
 * sent as `{"error": {...}}`. A client that disconnects stops the profile early.
 *
 * Profiles and heap snapshots stall the process or expose its memory: they ask for an admin key
 * even where the rest of the API needs none (loopback). Heap snapshots are off unless configured.
 */

const DAY_S = 86_400;
const HEARTBEAT_MS = 10_000;
const EARLY_ANSWER_MS = 1_000;
const PROFILE_KINDS: readonly ProfileKind[] = ['cpu', 'memory', 'io', 'database', 'providers'];

export function observabilityRoutes(deps: RouteDeps): Route[] {
  const observability = (): ServerObservability => {
    const services = deps.services;
    if (!hasObservability(services)) throw new FortitudeError('not_implemented', 'observability is not available on this server');
    return services;
  };
  const json = (handler: (exchange: Exchange, services: ServerObservability) => Promise<unknown>) => async (exchange: Exchange) => {
    const body = await handler(exchange, observability());
    exchange.headers['cache-control'] = 'no-store';
    sendJson(exchange, 200, JSON.stringify(body));
  };

  const routes: Route[] = dashboardAssets(deps.dashboards).map((asset) => ({ method: 'GET', path: asset.path, scope: 'public', family: 'api', handle: (exchange) => sendAsset(exchange, asset) }));
  // The address printed at start-up leads somewhere: the root is the dashboard.
  routes.push({ method: 'GET', path: '/', scope: 'public', family: 'api', handle: (exchange) => redirect(exchange, DASHBOARD_PATH) });
  routes.push(
    {
      method: 'GET',
      path: '/api/dashboard/snapshot',
      scope: 'admin',
      family: 'api',
      handle: json((exchange, services) => services.dashboardSnapshot({ spanMs: integerParam(exchange, 'span_s', 900, 10, DAY_S) * 1000 })),
    },
    { method: 'GET', path: '/api/alerts', scope: 'admin', family: 'api', handle: json(async (_exchange, services) => (await services.alerts()) ?? { evaluatedAt: null, alerts: [], history: [], enabled: false }) },
    {
      method: 'GET',
      path: '/api/performance/analysis',
      scope: 'admin',
      family: 'api',
      handle: json((exchange, services) => {
        const component = componentParam(exchange);
        return services.performanceAnalysis({ durationMs: integerParam(exchange, 'duration_s', 3600, 1, 30 * DAY_S) * 1000, ...(component ? { component } : {}) });
      }),
    },
    {
      method: 'GET',
      path: '/api/performance/report',
      scope: 'admin',
      family: 'api',
      handle: json((exchange, services) => services.performanceReport({ rangeMs: integerParam(exchange, 'range_s', DAY_S, 60, 90 * DAY_S) * 1000 })),
    },
    { method: 'POST', path: '/api/admin/profile/heap-snapshot', scope: 'admin', keyAlwaysRequired: true, family: 'api', handle: (exchange) => sendHeapSnapshot(exchange, observability()) },
  );
  for (const kind of PROFILE_KINDS) {
    routes.push({ method: 'POST', path: `/api/admin/profile/${kind}`, scope: 'admin', keyAlwaysRequired: true, family: 'api', handle: (exchange) => runProfile(exchange, observability(), kind, deps.logger) });
  }
  return routes;
}

/** The facade's observability part comes whole (`createObservabilityServices`) or not at all. */
function hasObservability<T extends Partial<ServerObservability>>(services: T): services is T & ServerObservability {
  return services.dashboardSnapshot !== undefined && services.alerts !== undefined && services.performanceAnalysis !== undefined && services.performanceReport !== undefined && services.profile !== undefined && services.heapSnapshot !== undefined;
}

function redirect(exchange: Exchange, location: string): void {
  exchange.response.writeHead(302, { ...exchange.headers, location, 'cache-control': 'no-cache' });
  exchange.response.end();
}

function sendAsset(exchange: Exchange, asset: StaticAsset): void {
  const headers = exchange.headers;
  headers.etag = asset.etag;
  headers['cache-control'] = asset.cacheControl;
  if (asset.contentType.startsWith('text/html')) headers['content-security-policy'] = DASHBOARD_CSP;
  if (exchange.request.headers['if-none-match'] === asset.etag) {
    exchange.response.writeHead(304, headers);
    exchange.response.end();
    return;
  }
  sendBody(exchange, 200, asset.contentType, asset.body);
}

function params(exchange: Exchange): URLSearchParams {
  return new URLSearchParams(exchange.query);
}

function integerParam(exchange: Exchange, name: string, fallback: number, min: number, max: number): number {
  const text = params(exchange).get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d{1,12}$/.test(text) || value < min || value > max) {
    throw new FortitudeError('bad_request', `${name}: expected a whole number ${min}–${max} (got "${text.slice(0, 40)}")`, { details: { field: name } });
  }
  return value;
}

function booleanParam(exchange: Exchange, name: string, fallback: boolean): boolean {
  const text = params(exchange).get(name);
  if (text === null || text === '') return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new FortitudeError('bad_request', `${name}: expected true or false (got "${text.slice(0, 40)}")`, { details: { field: name } });
}

function componentParam(exchange: Exchange): AnalysisComponent | undefined {
  const text = params(exchange).get('component');
  if (text === null || text === '' || text === 'all') return undefined;
  if (!(ANALYSIS_COMPONENTS as readonly string[]).includes(text)) {
    throw new FortitudeError('bad_request', `component: expected one of ${ANALYSIS_COMPONENTS.join(', ')} (got "${text.slice(0, 40)}")`, { details: { field: 'component' } });
  }
  return text as AnalysisComponent;
}

function profileRequest(exchange: Exchange, kind: ProfileKind): ProfileRequest {
  const request: ProfileRequest = { durationMs: integerParam(exchange, 'duration_ms', 10_000, MIN_PROFILE_MS, MAX_PROFILE_MS) };
  if (kind === 'cpu' && params(exchange).has('sampling_interval_us')) request.samplingIntervalUs = integerParam(exchange, 'sampling_interval_us', 1000, 50, 100_000);
  if (kind === 'memory') {
    request.includeSamplingProfile = booleanParam(exchange, 'sampling_profile', false);
    request.heapSnapshotAfter = booleanParam(exchange, 'heap_snapshot', false);
  }
  if (kind === 'io') {
    request.includeDisk = booleanParam(exchange, 'include_disk', true);
    request.includeNetwork = booleanParam(exchange, 'include_network', true);
  }
  if (kind === 'database') {
    request.minDurationMs = integerParam(exchange, 'min_duration_ms', 100, 0, 600_000);
    request.explain = booleanParam(exchange, 'explain', false);
  }
  if (kind === 'providers') {
    request.includeNetwork = booleanParam(exchange, 'include_network', false);
    request.traceRequests = booleanParam(exchange, 'trace_requests', false);
  }
  return request;
}

async function runProfile(exchange: Exchange, services: ServerObservability, kind: ProfileKind, logger: HttpLogger): Promise<void> {
  const request = profileRequest(exchange, kind);
  const controller = new AbortController();
  requestContext(exchange).onAbort(() => controller.abort());
  const running = services.profile(kind, { ...request, signal: controller.signal });
  const early = await Promise.race([running.then(() => 'done' as const, () => 'done' as const), delay(EARLY_ANSWER_MS)]);
  if (early === 'done') {
    // Finished (or refused) quickly: an ordinary response with a real status.
    const result = await running;
    exchange.headers['cache-control'] = 'no-store';
    sendJson(exchange, 200, JSON.stringify(result));
    return;
  }
  const response = exchange.response;
  const headers = exchange.headers;
  headers['content-type'] = JSON_TYPE;
  headers['cache-control'] = 'no-store';
  response.writeHead(200, headers);
  const heartbeat = setInterval(() => response.write(' '), HEARTBEAT_MS);
  try {
    const result = await running;
    response.end(JSON.stringify(result));
  } catch (error) {
    const body = isFortitudeError(error) ? { code: error.code, message: error.message } : { code: 'internal', message: 'profile failed' };
    if (!isFortitudeError(error)) logger.error({ err: error, requestId: exchange.requestId }, `${kind} profile failed`);
    response.end(JSON.stringify({ error: body }));
  } finally {
    clearInterval(heartbeat);
  }
}

async function sendHeapSnapshot(exchange: Exchange, services: ServerObservability): Promise<void> {
  const stream = services.heapSnapshot();
  const headers = exchange.headers;
  headers['content-type'] = JSON_TYPE;
  headers['cache-control'] = 'no-store';
  headers['content-disposition'] = `attachment; filename="fortitude-${process.pid}-${Date.now()}.heapsnapshot"`;
  exchange.response.writeHead(200, headers);
  await pipeline(stream, exchange.response).catch(() => exchange.response.destroy());
}

function delay(ms: number): Promise<'waiting'> {
  return new Promise((resolve) => setTimeout(() => resolve('waiting'), ms).unref());
}
