/**
 * The JSON view of the rolling window that the SLA engine, the dashboard and
 * `fortitude performance` read. Latencies are milliseconds, ratios are fractions 0–1, money is
 * USD. `null` means "no samples in the span" (JSON has no undefined).
 *
 * Percentiles come from log-scale sketches: within ±1 % of the true nearest-rank percentile of
 * the samples in the span (see `log-sketch.ts`). Spans are accurate to one bucket (`bucketMs`).
 * With `samplingRate` < 1, percentiles come from the sampled observations while every count is
 * exact.
 */

export interface LatencySummary {
  /** Observations behind the percentiles (sampled when `samplingRate` < 1). */
  count: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface HitCounts {
  hits: number;
  misses: number;
  hitRatio: number | null;
}

export interface ProviderSummary {
  calls: number;
  failures: number;
  successRate: number | null;
  latency: LatencySummary;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costPerRequest: number | null;
  rateLimited: number;
  /** Quality scores of this provider's answers. */
  quality: { count: number; avg: number | null };
}

export interface TimelinePoint {
  /** Slot start, ms since the epoch. */
  t: number;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  providerP95: number | null;
  qualityP95: number | null;
  costUsd: number;
  cacheHits: number;
  cacheMisses: number;
}

export type CircuitStateName = 'closed' | 'half_open' | 'open';

/** Point-in-time values (not windowed), merged across workers by `mergeGauges`. */
export interface GaugeState {
  concurrentRequests: number;
  /** Budget scope → fraction used (0–1, may exceed 1 when overspent). */
  budget: Record<string, number>;
  circuits: Record<string, CircuitStateName>;
  redisDegraded: boolean;
  /** Event-loop delay over the last completed period (≥ one bucket), ms; null when not measured. */
  eventLoopLag: { mean: number; p50: number; p95: number; p99: number; max: number } | null;
}

export interface MetricsSnapshot extends GaugeState {
  /** When the snapshot was taken, ms since the epoch. */
  at: number;
  /** The span summarised, ms (the configured window unless a shorter one was asked for). */
  spanMs: number;
  bucketMs: number;
  /** How many processes contributed (1 unless aggregated across cluster workers). */
  processes: number;
  api: {
    requests: number;
    /** 5xx responses. */
    errors: number;
    /** 4xx responses. */
    clientErrors: number;
    /** errors / requests. */
    errorRate: number | null;
    /** 1 − errorRate: the share of requests served without a server error. */
    availability: number | null;
    /** Requests per second over the span (or since start, when younger). */
    requestRate: number;
    latency: LatencySummary;
  };
  providers: Record<string, ProviderSummary>;
  /** All providers together. */
  providerLatency: LatencySummary;
  /** Provider calls per second over the span, all providers. */
  providerCallRate: number;
  /** Mean cost of a provider call over all providers, USD. */
  costPerRequest: number | null;
  quality: {
    evaluationTime: LatencySummary;
    evaluationRate: number;
    score: { count: number; avg: number | null };
    byResearchType: Record<string, { count: number; avg: number | null }>;
  };
  cache: HitCounts & { byLevel: Record<string, HitCounts>; byStrategy: Record<string, HitCounts> };
  learning: { adaptationTime: LatencySummary; patternProcessing: LatencySummary; feedbackLatency: LatencySummary };
  timeline?: TimelinePoint[];
}
