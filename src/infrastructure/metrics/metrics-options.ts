/**
 * Options for `createMetrics` (the composition root maps the seed's `metrics` section onto
 * them). Every field is optional (missing flags mean "on") so tests and tools can pass only what
 * matters. The component flags keep the seed's group and series names, which they switch.
 */

type Flags<K extends string> = Partial<Record<K, boolean>>;

export interface MetricsComponents {
  api_server?: Flags<'request_duration' | 'request_rate' | 'error_rate' | 'concurrent_requests'>;
  providers?: Flags<'response_time' | 'token_usage' | 'cost_per_request' | 'success_rate'>;
  quality_system?: Flags<'evaluation_time' | 'quality_scores' | 'cache_hit_ratio'>;
  learning_system?: Flags<'adaptation_time' | 'pattern_processing' | 'feedback_latency'>;
  infrastructure?: Flags<'cpu_usage' | 'memory_usage' | 'disk_io' | 'network_io'>;
}

export interface MetricsOptions {
  collection?: {
    /** false: every recorder is a no-op, `/metrics` is empty and snapshots hold no data. */
    enabled?: boolean;
    /** More histogram buckets (finer `/metrics` percentiles); default true. */
    highResolution?: boolean;
    /** Fraction of histogram/latency observations kept (0–1); counters are always exact. */
    samplingRate?: number;
  };
  /**
   * Which `/metrics` series exist. A false flag removes that series from `/metrics`; the
   * in-process rolling window (which feeds SLA alerts and the dashboard) keeps recording.
   */
  components?: MetricsComponents;
  /** Distinct values per label name before further values fold into `other`; default 100. */
  highCardinalityLimit?: number;
  /** Metric name prefix; default `fortitude_`. */
  prefix?: string;
  /** Rolling window for SLA percentiles and the dashboard. */
  window?: {
    /** Bucket width, ms; default 10 000. */
    bucketMs?: number;
    /** Span kept, ms; default 3 600 000 (the seed's `performance_window: 3600`). */
    windowMs?: number;
  };
}

export interface MetricsDeps {
  /** Wall clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Uniform [0, 1) source for sampling; default `Math.random`. */
  random?: () => number;
}

export type ComponentName = keyof MetricsComponents;

/** Reads one flag; a missing flag is on. */
export function flag<C extends ComponentName>(components: MetricsComponents | undefined, component: C, name: keyof NonNullable<MetricsComponents[C]>): boolean {
  const group = components?.[component] as Record<string, boolean | undefined> | undefined;
  return group?.[name as string] !== false;
}
