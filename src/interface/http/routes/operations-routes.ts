import { sendBody, sendJson, type Exchange, type Route } from '../exchange.js';
import type { RouteDeps } from './route-deps.js';

/** Liveness is a constant: the process answering is the whole check. */
const HEALTH_BODY = Buffer.from('{"status":"ok"}');

/** Health (no key), readiness, provider status, cache stats, Prometheus metrics. */
export function operationsRoutes(deps: RouteDeps): Route[] {
  const services = deps.services;
  return [
    { method: 'GET', path: '/api/health', scope: 'public', family: 'api', handle: (exchange) => sendJson(exchange, 200, HEALTH_BODY) },
    { method: 'GET', path: '/api/health/ready', scope: 'public', family: 'api', handle: (exchange) => readiness(deps, exchange) },
    {
      method: 'GET',
      path: '/api/providers/status',
      scope: 'research',
      family: 'api',
      handle: async (exchange) => sendJson(exchange, 200, JSON.stringify(await services.providerStatus())),
    },
    {
      method: 'GET',
      path: '/api/cache/stats',
      scope: 'research',
      family: 'api',
      handle: async (exchange) => sendJson(exchange, 200, JSON.stringify(await services.cacheStats())),
    },
    {
      method: 'GET',
      path: '/metrics',
      scope: 'admin',
      family: 'api',
      handle: async (exchange) => {
        const metrics = await services.metrics();
        sendBody(exchange, 200, metrics.contentType, metrics.body);
      },
    },
  ];
}

async function readiness(deps: RouteDeps, exchange: Exchange): Promise<void> {
  const ready = await deps.services.readiness();
  sendJson(exchange, ready.ok ? 200 : 503, JSON.stringify({ status: ready.ok ? 'ready' : 'not_ready', checks: ready.checks }));
}
