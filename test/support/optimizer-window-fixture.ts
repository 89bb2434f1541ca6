import type { LatencyStats, OptimizerWindow, ProviderWindow } from '../../src/operations/optimizer/optimizer-window.js';

/** A latency summary whose calls all took about `ms` (p99 / max a little above). */
export function steady(count: number, ms: number): LatencyStats {
  return { count, p50: ms, p95: ms * 1.2, p99: ms * 1.4, max: ms * 1.5 };
}

export function provider(overrides: Partial<ProviderWindow> & { calls: number; p95?: number }): ProviderWindow {
  const { p95, ...rest } = overrides;
  const latency = p95 === undefined ? steady(overrides.calls, 100) : { ...steady(overrides.calls, p95 / 1.2) };
  return { failures: 0, errorRate: overrides.calls > 0 ? 0 : null, rateLimited: 0, quality: null, costPerRequest: null, latency, ...rest };
}

/** A window with the given providers; the all-provider latency is the worst provider's. */
export function windowOf(at: number, parts: Partial<OptimizerWindow> & { providers?: Record<string, ProviderWindow> } = {}): OptimizerWindow {
  const providers = parts.providers ?? {};
  const calls = Object.values(providers).reduce((sum, entry) => sum + entry.calls, 0);
  const worst = Object.values(providers).reduce<LatencyStats | undefined>((found, entry) => (!found || (entry.latency.p95 ?? 0) > (found.p95 ?? 0) ? entry.latency : found), undefined);
  return {
    at,
    spanMs: 60_000,
    api: { requests: calls, errorRate: calls > 0 ? 0 : null, latency: worst ?? steady(0, 0) },
    providers,
    providerLatency: worst ? { ...worst, count: calls } : { count: 0, p50: null, p95: null, p99: null, max: null },
    cache: { hits: 0, misses: 0, hitRatio: null, byLevel: {}, byStrategy: {} },
    ...parts,
  };
}
