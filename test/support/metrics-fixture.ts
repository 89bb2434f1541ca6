import { createMetrics } from '../../src/infrastructure/metrics/create-metrics.js';
import type { MetricsSnapshot } from '../../src/infrastructure/metrics/metrics-snapshot.js';
import type { SlaTargets } from '../../src/operations/sla/alert-rules.js';

/** The seed's sla_targets, as the config schema produces them. */
export const SEED_TARGETS: SlaTargets = {
  apiResponseTimeMs: { p50: 100, p95: 200, p99: 500 },
  providerResponseTimeMs: { p50: 1000, p95: 3000, p99: 5000 },
  qualityEvaluationTimeMs: { p50: 50, p95: 100, p99: 200 },
  systemAvailability: 0.999,
  errorRate: { op: '<', value: 0.001, unit: '%' },
};

export const FIXTURE_NOW = 1_800_000_000_000;

export interface Traffic {
  /** API request durations, ms; `errors` of them answer 500. */
  api: number[];
  errors?: number;
  /** provider → call durations (ms), cost per call, failures, quality score. */
  providers?: Record<string, { latencies: number[]; costUsd?: number; failures?: number; quality?: number }>;
  quality?: number[];
  cache?: { hits: number; misses: number };
}

/** A real rolling-window snapshot of the given traffic (recorded through `createMetrics` on a fixed clock). */
export function snapshotOf(traffic: Traffic, options: { spanMs?: number; timeline?: boolean } = {}): MetricsSnapshot {
  let now = FIXTURE_NOW - 30_000;
  const metrics = createMetrics({ window: { bucketMs: 10_000, windowMs: 3_600_000 } }, { now: () => now });
  try {
    traffic.api.forEach((durationMs, index) => {
      metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: index < (traffic.errors ?? 0) ? 500 : 200, durationMs });
    });
    for (const [provider, entry] of Object.entries(traffic.providers ?? {})) {
      entry.latencies.forEach((durationMs, index) => {
        const failed = index < (entry.failures ?? 0);
        metrics.observeProviderCall({ provider, model: `${provider}-model`, outcome: failed ? 'error' : 'success', durationMs, ...(failed ? {} : { costUsd: entry.costUsd ?? 0, inputTokens: 100, outputTokens: 50 }) });
        if (!failed && entry.quality !== undefined) metrics.observeQualityEvaluation({ researchType: 'implementation', durationMs: 2, score: entry.quality, provider });
      });
    }
    for (const durationMs of traffic.quality ?? []) metrics.observeQualityEvaluation({ researchType: 'learning', durationMs, score: 0.8 });
    for (let index = 0; index < (traffic.cache?.hits ?? 0); index++) metrics.observeCacheLookup({ strategy: 'query_results', result: 'hit' });
    for (let index = 0; index < (traffic.cache?.misses ?? 0); index++) metrics.observeCacheLookup({ strategy: 'query_results', result: 'miss' });
    now = FIXTURE_NOW;
    return metrics.snapshot({ spanMs: options.spanMs ?? 300_000, timeline: options.timeline ?? false, now: FIXTURE_NOW });
  } finally {
    metrics.close();
  }
}
