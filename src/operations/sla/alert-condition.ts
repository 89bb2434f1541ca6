import type { Bound } from '../../core/bound.js';

/**
 * What an alert rule watches: `p95(api_response_time) > 200ms` as a value. The config schema
 * parses the text into this shape; the alert engine and the SLA rules read it.
 */

export const ALERT_METRICS = [
  'api_response_time',
  'provider_response_time',
  'quality_evaluation_time',
  'error_rate',
  'availability',
  'cache_hit_ratio',
  'cost_per_request',
  'budget_utilization',
  'event_loop_lag',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const AGGREGATES = ['p50', 'p95', 'p99', 'avg', 'max', 'rate'] as const;

export interface AlertCondition {
  /** `value` when the text names the metric alone (`error_rate > 0.1%`). */
  aggregate: (typeof AGGREGATES)[number] | 'value';
  metric: AlertMetric;
  /** Latencies in ms, ratios as fractions (`0.1%` is 0.001). */
  bound: Bound;
  /** The condition as written, for messages. */
  text: string;
}
