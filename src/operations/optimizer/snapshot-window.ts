import type { CacheStoreStats } from '../../infrastructure/cache/cache-store.js';
import { createSketch, sketchMerge, sketchQuantile } from '../../infrastructure/metrics/log-sketch.js';
import type { LogSketch } from '../../infrastructure/metrics/log-sketch.js';
import type { Metrics } from '../../infrastructure/metrics/metrics.js';
import type { LatencySummary, MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { RollingWindowState } from '../../infrastructure/metrics/rolling-window.js';
import { KEY, labelled } from '../../infrastructure/metrics/window-keys.js';
import type { LatencyStats, OptimizerWindow, ProviderWindow } from './optimizer-window.js';

/** What the metrics snapshot does not carry: the L1 level, the concurrency queue, database timings. */
export type WindowExtras = Pick<OptimizerWindow, 'memoryCache' | 'database'> & {
  concurrency?: Omit<NonNullable<OptimizerWindow['concurrency']>, 'inFlight'>;
  expiredMisses?: Record<string, number>;
};

const latency = (summary: LatencySummary): LatencyStats => ({ count: summary.count, avg: summary.avg, p50: summary.p50, p95: summary.p95, p99: summary.p99, max: summary.max });

/** The optimizer's view of a metrics snapshot (e.g. `metrics.snapshot({ spanMs })`). */
export function windowFromSnapshot(snapshot: MetricsSnapshot, extras: WindowExtras = {}): OptimizerWindow {
  const providers: Record<string, ProviderWindow> = {};
  for (const [name, summary] of Object.entries(snapshot.providers)) {
    providers[name] = {
      calls: summary.calls,
      failures: summary.failures,
      errorRate: summary.successRate === null ? null : 1 - summary.successRate,
      rateLimited: summary.rateLimited,
      latency: latency(summary.latency),
      quality: summary.quality.avg,
      costPerRequest: summary.costPerRequest,
    };
  }
  return {
    at: snapshot.at,
    spanMs: snapshot.spanMs,
    api: { requests: snapshot.api.requests, errorRate: snapshot.api.errorRate, latency: latency(snapshot.api.latency) },
    providers,
    providerLatency: latency(snapshot.providerLatency),
    cache: {
      hits: snapshot.cache.hits,
      misses: snapshot.cache.misses,
      hitRatio: snapshot.cache.hitRatio,
      byLevel: snapshot.cache.byLevel,
      byStrategy: snapshot.cache.byStrategy,
      ...(extras.expiredMisses === undefined ? {} : { expiredMisses: extras.expiredMisses }),
    },
    ...(extras.memoryCache === undefined ? {} : { memoryCache: extras.memoryCache }),
    concurrency: { inFlight: snapshot.concurrentRequests, ...extras.concurrency },
    ...(extras.database === undefined ? {} : { database: extras.database }),
  };
}

/** Quantiles taken from the window's sketches for the latency tests (see `callsAbove`). */
const LADDER = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

/**
 * Quantile ladders per latency key over the span (same slot rule as the snapshot), for the keys
 * asked for. The snapshot keeps only p50/p95/p99; a window that mixes a fast part and a slow one
 * needs the lower quantiles to show how many calls were slow.
 */
export function latencyLadders(state: RollingWindowState, keys: readonly string[], span: { now: number; spanMs: number }): Map<string, { q: number; value: number }[]> {
  const wanted = new Set(keys);
  const sketches = new Map<string, LogSketch>();
  for (const slot of state.slots) {
    if (!(slot.start + state.bucketMs > span.now - span.spanMs && slot.start <= span.now)) continue;
    for (const [key, sketchState] of slot.sketches) {
      if (!wanted.has(key)) continue;
      let sketch = sketches.get(key);
      if (!sketch) sketches.set(key, (sketch = createSketch()));
      sketchMerge(sketch, sketchState);
    }
  }
  const ladders = new Map<string, { q: number; value: number }[]>();
  for (const [key, sketch] of sketches) {
    const ladder = LADDER.flatMap((q) => {
      const value = sketchQuantile(sketch, q);
      return value === undefined || Number.isNaN(value) ? [] : [{ q, value }];
    });
    ladders.set(key, ladder);
  }
  return ladders;
}

/** `windowFromSnapshot` plus quantile ladders from the raw window (this process's, or a cluster merge). */
export function windowFromMetricsState(snapshot: MetricsSnapshot, state: RollingWindowState, extras: WindowExtras = {}): OptimizerWindow {
  const window = windowFromSnapshot(snapshot, extras);
  const providerKeys = Object.keys(window.providers).map((name) => [name, labelled(KEY.providerLatency, name)] as const);
  const ladders = latencyLadders(state, [KEY.apiLatency, KEY.providerLatencyAll, ...providerKeys.map(([, key]) => key)], { now: snapshot.at, spanMs: snapshot.spanMs });
  const attach = (latency: LatencyStats, key: string) => {
    const ladder = ladders.get(key);
    if (ladder && ladder.length > 0) latency.quantiles = ladder;
  };
  attach(window.api.latency, KEY.apiLatency);
  attach(window.providerLatency, KEY.providerLatencyAll);
  for (const [name, key] of providerKeys) attach(window.providers[name]!.latency, key);
  return window;
}

/** The optimizer's `readWindow` over this process's metrics. */
export function readMetricsWindow(metrics: Pick<Metrics, 'snapshot' | 'localState'>, request: { spanMs: number; now: number }, extras: WindowExtras = {}): OptimizerWindow {
  return windowFromMetricsState(metrics.snapshot({ spanMs: request.spanMs, now: request.now }), metrics.localState().window, extras);
}

/**
 * Reads the L1 level for the window: fill now, evictions and writes since the previous read
 * (the store's counters are cumulative).
 */
export function createMemoryCacheReader(store: { stats(): Promise<CacheStoreStats> }): () => Promise<OptimizerWindow['memoryCache']> {
  let previous: { evictions: number; sets: number } | undefined;
  return async () => {
    const stats = await store.stats();
    const delta = { evictions: stats.evictions - (previous?.evictions ?? 0), sets: stats.sets - (previous?.sets ?? 0) };
    previous = { evictions: stats.evictions, sets: stats.sets };
    if (stats.maxBytes === undefined || stats.usedBytes === undefined) return undefined;
    return { usedBytes: stats.usedBytes, maxBytes: stats.maxBytes, evictions: Math.max(0, delta.evictions), sets: Math.max(0, delta.sets) };
  };
}
