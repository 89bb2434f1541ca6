import type { ProviderErrorClass } from '../../core/errors.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

export interface StatsSample {
  provider: string;
  model: string;
  /** Whole call, in ms (streams: until the last part). */
  latencyMs: number;
  outcome: 'ok' | ProviderErrorClass;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface StatsSummary {
  requests: number;
  errors: number;
  /** errors / requests, 0 when there were none. */
  errorRate: number;
  /** Undefined when nothing was recorded in the window. */
  latencyMs: LatencySummary | undefined;
  errorsByClass: Partial<Record<ProviderErrorClass, number>>;
}

export interface ProviderStatsSnapshot extends StatsSummary {
  provider: string;
  windowMs: number;
  byModel: Record<string, StatsSummary>;
}

export interface ProviderStats {
  /** Records one finished call. Called by the HTTP provider for every try. */
  record(sample: StatsSample): void;
  /** The rolling window for one provider (all zeros when unknown). */
  snapshot(provider: string): ProviderStatsSnapshot;
  /** Providers with at least one sample in the window. */
  providers(): string[];
}

export interface ProviderStatsOptions {
  /** Rolling window length (default 5 min). */
  windowMs?: number;
  /** Bucket width; the window slides one bucket at a time (default 10 s). */
  bucketMs?: number;
  /** Latency samples kept per bucket and series; beyond this, reservoir sampling (default 2048). */
  maxSamplesPerBucket?: number;
}

interface Series {
  count: number;
  errors: number;
  seen: number;
  samples: number[];
  errorsByClass: Partial<Record<ProviderErrorClass, number>>;
}

interface Bucket {
  index: number;
  total: Series;
  byModel: Map<string, Series>;
}

const emptySeries = (): Series => ({ count: 0, errors: 0, seen: 0, samples: [], errorsByClass: {} });

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

function addTo(series: Series, sample: StatsSample, cap: number, random: () => number): void {
  series.count += 1;
  series.seen += 1;
  if (sample.outcome !== 'ok') {
    series.errors += 1;
    series.errorsByClass[sample.outcome] = (series.errorsByClass[sample.outcome] ?? 0) + 1;
  }
  if (series.samples.length < cap) series.samples.push(sample.latencyMs);
  else {
    const slot = Math.floor(random() * series.seen);
    if (slot < cap) series.samples[slot] = sample.latencyMs;
  }
}

function summarise(parts: readonly Series[]): StatsSummary {
  let requests = 0;
  let errors = 0;
  const errorsByClass: Partial<Record<ProviderErrorClass, number>> = {};
  const samples: number[] = [];
  for (const part of parts) {
    requests += part.count;
    errors += part.errors;
    for (const [key, value] of Object.entries(part.errorsByClass)) {
      const errorClass = key as ProviderErrorClass;
      errorsByClass[errorClass] = (errorsByClass[errorClass] ?? 0) + (value ?? 0);
    }
    for (const sample of part.samples) samples.push(sample);
  }
  samples.sort((a, b) => a - b);
  const latencyMs =
    samples.length === 0
      ? undefined
      : {
          p50: percentile(samples, 0.5),
          p95: percentile(samples, 0.95),
          p99: percentile(samples, 0.99),
          mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
        };
  return { requests, errors, errorRate: requests === 0 ? 0 : errors / requests, latencyMs, errorsByClass };
}

/** Time-bucketed rolling statistics per provider and model: counts, error rate, latency percentiles. */
export function createProviderStats(
  options: ProviderStatsOptions = {},
  deps: { clock?: Clock; random?: () => number } = {},
): ProviderStats {
  const windowMs = options.windowMs ?? 300_000;
  const bucketMs = options.bucketMs ?? 10_000;
  const cap = options.maxSamplesPerBucket ?? 2048;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const bucketCount = Math.max(1, Math.ceil(windowMs / bucketMs));
  const byProvider = new Map<string, Bucket[]>();

  const live = (buckets: Bucket[], now: number): Bucket[] => {
    const oldest = Math.floor(now / bucketMs) - bucketCount + 1;
    while (buckets.length > 0 && buckets[0]!.index < oldest) buckets.shift();
    return buckets;
  };

  return {
    record(sample) {
      const now = clock.now();
      let buckets = byProvider.get(sample.provider);
      if (!buckets) byProvider.set(sample.provider, (buckets = []));
      live(buckets, now);
      const index = Math.floor(now / bucketMs);
      let bucket = buckets[buckets.length - 1];
      if (!bucket || bucket.index !== index) {
        bucket = { index, total: emptySeries(), byModel: new Map() };
        buckets.push(bucket);
      }
      addTo(bucket.total, sample, cap, random);
      let model = bucket.byModel.get(sample.model);
      if (!model) bucket.byModel.set(sample.model, (model = emptySeries()));
      addTo(model, sample, cap, random);
    },
    snapshot(provider) {
      const buckets = live(byProvider.get(provider) ?? [], clock.now());
      const models = new Map<string, Series[]>();
      for (const bucket of buckets) {
        for (const [model, series] of bucket.byModel) {
          const list = models.get(model) ?? [];
          list.push(series);
          models.set(model, list);
        }
      }
      const byModel: Record<string, StatsSummary> = {};
      for (const [model, series] of models) byModel[model] = summarise(series);
      return { provider, windowMs, ...summarise(buckets.map((bucket) => bucket.total)), byModel };
    },
    providers() {
      const now = clock.now();
      return [...byProvider.entries()].filter(([, buckets]) => live(buckets, now).length > 0).map(([name]) => name);
    },
  };
}
