import type { Registry } from 'prom-client';
import type { CircuitStateName, GaugeState, MetricsSnapshot } from './metrics-snapshot.js';
import type { RollingWindowState } from './rolling-window.js';

/**
 * The metrics port: what the rest of Fortitude calls to record, and what `/metrics`, the SLA
 * engine and the dashboard read. Recorders never throw and cost well under a microsecond or two
 * on the request path; label values pass through the `highCardinalityLimit` guard.
 */

export interface ApiRequestObservation {
  /** Route template (`/api/research`, `/v1/chat/completions`), not the raw path. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
}

export interface ProviderCallObservation {
  provider: string;
  model: string;
  /** `success`, or why not: `error`, `timeout`, `rate_limited`, `circuit_open`, … */
  outcome: string;
  durationMs: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface QualityObservation {
  researchType: string;
  durationMs: number;
  /** 0–1. */
  score: number;
  /** The provider whose answer was scored, for quality-by-provider. */
  provider?: string;
}

export interface CacheObservation {
  /** `memory`, `redis`, `disk`, `semantic`, … */
  level: string;
  strategy: string;
  result: 'hit' | 'miss';
}

export type AlertNotificationOutcome = 'delivered' | 'retried' | 'failed' | 'dropped';

/** What a worker sends its cluster primary: the raw window (mergeable) and point values. */
export interface MetricsState {
  window: RollingWindowState;
  gauges: GaugeState;
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export interface SnapshotOptions {
  /** Summarise the last `spanMs` only (whole buckets); default the whole window. */
  spanMs?: number;
  /** Include per-bucket points for trend charts. */
  timeline?: boolean;
  /** Override the clock (tests). */
  now?: number;
}

export interface Metrics {
  /**
   * One finished API request (HTTP layer, after the response is sent). Buffered and applied in
   * batches (api-batch.ts); every read below (render, snapshot, localState, a registry scrape)
   * applies the buffer first, so readers always see every request.
   */
  observeApiRequest(observation: ApiRequestObservation): void;
  /** In-flight API requests: `inc()` when a request starts, `dec()` when it ends. */
  readonly apiConcurrent: { inc(): void; dec(): void };
  /** One finished provider call (success or failure), with usage and cost when known. */
  observeProviderCall(observation: ProviderCallObservation): void;
  /** A call refused by a rate limit (ours or the provider's 429). */
  rateLimited(provider: string): void;
  setCircuitState(provider: string, state: CircuitStateName): void;
  /** Fraction of a budget scope (`daily`, `monthly`, a tenant) used in its current period. */
  setBudgetUtilization(scope: string, fraction: number): void;
  observeQualityEvaluation(observation: QualityObservation): void;
  /** One cache level consulted (the multi-level cache's `onEvent` hook). */
  observeCache(observation: CacheObservation): void;
  /** One whole lookup across all levels: the overall hit ratio. */
  observeCacheLookup(observation: { strategy: string; result: 'hit' | 'miss' }): void;
  observeLearningAdaptation(durationMs: number): void;
  observePatternProcessing(durationMs: number): void;
  /** Delay from an answer to its feedback being applied, ms. */
  observeFeedbackLatency(durationMs: number): void;
  /** Redis health changes: true when it becomes unreachable, false when it is back. */
  redisDegraded(degraded: boolean): void;
  /** Alert engine hooks. */
  observeAlertTransition(severity: string, state: string): void;
  observeAlertNotification(outcome: AlertNotificationOutcome): void;

  /** The Prometheus exposition of this process (see cluster-metrics.ts for the aggregate). */
  render(): Promise<RenderedMetrics>;
  /** This process's rolling window as JSON. */
  snapshot(options?: SnapshotOptions): MetricsSnapshot;
  /** Raw mergeable state, for cluster aggregation. */
  localState(): MetricsState;
  readonly registry: Registry;
  readonly enabled: boolean;
  close(): void;
}
