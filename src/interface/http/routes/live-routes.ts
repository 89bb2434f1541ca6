import { FortitudeError } from '../../../core/errors.js';
import { sendJson, type Exchange, type Route } from '../exchange.js';
import type { ApplyOptimizationsInput, LiveServerServices } from '../http-services.js';
import type { RouteDeps } from './route-deps.js';

/**
 * The running server's live state for operators and the CLI (admin scope): learned routing,
 * cache clear and warm-up, the routing and cache/concurrency settings in force, and applying
 * cost optimizations. Every answer covers all workers (`processes` says which answered).
 */
export function liveRoutes(deps: RouteDeps): Route[] {
  const live = (): LiveServerServices => {
    const services = deps.services.live;
    if (!services) throw new FortitudeError('not_implemented', 'live server operations are only available from "fortitude serve"');
    return services;
  };
  const json = (handler: (exchange: Exchange, services: LiveServerServices) => Promise<unknown>) => async (exchange: Exchange) => {
    const body = await handler(exchange, live());
    exchange.headers['cache-control'] = 'no-store';
    sendJson(exchange, 200, JSON.stringify(body));
  };
  return [
    { method: 'GET', path: '/api/admin/learning', scope: 'admin', family: 'api', handle: json((_exchange, services) => services.learningStatus()) },
    { method: 'POST', path: '/api/admin/cache/clear', scope: 'admin', family: 'api', handle: json((_exchange, services) => services.clearCache()) },
    { method: 'POST', path: '/api/admin/cache/warm', scope: 'admin', family: 'api', handle: json((_exchange, services) => services.warmCache()) },
    { method: 'GET', path: '/api/admin/routing', scope: 'admin', family: 'api', handle: json((_exchange, services) => services.routing()) },
    {
      method: 'POST',
      path: '/api/admin/optimizations/apply',
      scope: 'admin',
      family: 'api',
      handle: json((exchange, services) => services.applyOptimizations(applyInput(new URLSearchParams(exchange.query)))),
    },
  ];
}

const FORMATS = ['table', 'csv', 'json'] as const;

function applyInput(params: URLSearchParams): ApplyOptimizationsInput {
  const bad = (field: string, expected: string, got: string) =>
    new FortitudeError('bad_request', `${field}: expected ${expected} (got "${got.slice(0, 40)}")`, { details: { field } });
  const fraction = (field: string, fallback: number) => {
    const text = params.get(field);
    if (text === null || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) throw bad(field, 'a number from 0 to 1', text);
    return value;
  };
  const autoApprove = params.get('auto_approve') ?? 'false';
  if (autoApprove !== 'true' && autoApprove !== 'false') throw bad('auto_approve', 'true or false', autoApprove);
  const timeRange = params.get('time_range') ?? '30d';
  if (!/^\d{1,6}(m|h|d|w)$/.test(timeRange)) throw bad('time_range', 'a span such as 24h, 7d or 30d', timeRange);
  const format = params.get('format') ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format)) throw bad('format', FORMATS.join(', '), format);
  return {
    autoApprove: autoApprove === 'true',
    targetReduction: fraction('target_reduction', 0.2),
    maintainQuality: fraction('maintain_quality', 0.85),
    timeRange,
    format: format as ApplyOptimizationsInput['format'],
  };
}
