/**
 * What the optimizer reads every interval: the recent window of the running system, reduced to
 * the figures its rules use. `windowFromSnapshot` builds one from the metrics snapshot; the
 * fields the metrics do not carry (L1 fill and evictions, queue wait, database timings) come
 * from optional extras. Latencies are ms, ratios 0–1, `null` means "no samples".
 */

export interface LatencyStats {
  count: number;
  /** Mean, when known: bounds how many calls were slow better than the percentiles alone. */
  avg?: number | null;
  /** More quantiles (q 0–1, ascending), when the window has the sketches: the sharpest bound on slow calls. */
  quantiles?: { q: number; value: number }[];
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface HitStats {
  hits: number;
  misses: number;
  hitRatio: number | null;
}

export interface ProviderWindow {
  calls: number;
  failures: number;
  /** failures / calls. */
  errorRate: number | null;
  /** Calls refused by a rate limit (ours or the provider's 429). */
  rateLimited: number;
  latency: LatencyStats;
  /** Mean evaluator score 0–1 of this provider's answers. */
  quality: number | null;
  costPerRequest: number | null;
}

export interface OptimizerWindow {
  /** End of the window, ms since the epoch. */
  at: number;
  spanMs: number;
  api: { requests: number; errorRate: number | null; latency: LatencyStats };
  providers: Record<string, ProviderWindow>;
  /** All provider calls together. */
  providerLatency: LatencyStats;
  cache: HitStats & {
    byLevel: Record<string, HitStats>;
    byStrategy: Record<string, HitStats>;
    /** Misses of a key that was cached but had expired, per strategy (when the cache counts them). */
    expiredMisses?: Record<string, number>;
  };
  /** The L1 (memory) level: fill now, and evictions / writes during the window. */
  memoryCache?: { usedBytes: number; maxBytes: number; evictions: number; sets: number };
  concurrency?: {
    /** Requests in flight when the window was read. */
    inFlight: number;
    /** Time requests waited for a concurrency slot. */
    queueWait?: LatencyStats;
    /** Requests refused because the queue was full. */
    rejected?: number;
  };
  database?: { queries: { name: string; calls: number; p95Ms: number | null }[] };
}

/** What a change is expected to move, and which way. `hold`: it must not get worse (a saving). */
export type MetricName =
  | 'api_latency_p95'
  | 'api_error_rate'
  | 'provider_latency_p95'
  | 'provider_error_rate'
  | 'provider_rate_limited_ratio'
  | 'cache_hit_ratio'
  | 'cache_level_hit_ratio'
  | 'queue_wait_p95';

export interface TargetMetric {
  name: MetricName;
  /** A provider, cache strategy or cache level; absent means the whole system. */
  subject?: string;
  direction: 'decrease' | 'increase' | 'hold';
}

export interface MetricReading {
  value: number | null;
  /** Observations behind the value (calls, lookups…): too few and the reading says nothing. */
  samples: number;
}

/** `provider_latency_p95(alpha)`: the label stored with decisions. */
export function metricLabel(metric: Pick<TargetMetric, 'name' | 'subject'>): string {
  return metric.subject === undefined ? metric.name : `${metric.name}(${metric.subject})`;
}

/** Latency metrics are judged with a relative tolerance; ratios with an absolute one. */
export function isLatencyMetric(name: MetricName): boolean {
  return name === 'api_latency_p95' || name === 'provider_latency_p95' || name === 'queue_wait_p95';
}

const latencyReading = (latency: LatencyStats | undefined): MetricReading => ({ value: latency?.p95 ?? null, samples: latency?.count ?? 0 });
const hitReading = (stats: HitStats | undefined): MetricReading => ({ value: stats?.hitRatio ?? null, samples: stats ? stats.hits + stats.misses : 0 });

export function readMetric(window: OptimizerWindow, metric: Pick<TargetMetric, 'name' | 'subject'>): MetricReading {
  const subject = metric.subject;
  switch (metric.name) {
    case 'api_latency_p95':
      return latencyReading(window.api.latency);
    case 'api_error_rate':
      return { value: window.api.errorRate, samples: window.api.requests };
    case 'provider_latency_p95':
      return latencyReading(subject === undefined ? window.providerLatency : window.providers[subject]?.latency);
    case 'provider_error_rate': {
      const providers = subject === undefined ? Object.values(window.providers) : [window.providers[subject]].filter((entry) => entry !== undefined);
      const calls = providers.reduce((sum, entry) => sum + entry.calls, 0);
      const failures = providers.reduce((sum, entry) => sum + entry.failures, 0);
      return { value: calls > 0 ? failures / calls : null, samples: calls };
    }
    case 'provider_rate_limited_ratio': {
      const entry = subject === undefined ? undefined : window.providers[subject];
      return { value: entry && entry.calls > 0 ? entry.rateLimited / entry.calls : null, samples: entry?.calls ?? 0 };
    }
    case 'cache_hit_ratio':
      return hitReading(subject === undefined ? window.cache : window.cache.byStrategy[subject]);
    case 'cache_level_hit_ratio':
      return hitReading(subject === undefined ? undefined : window.cache.byLevel[subject]);
    case 'queue_wait_p95':
      return latencyReading(window.concurrency?.queueWait);
  }
}
