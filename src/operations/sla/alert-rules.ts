import { isSatisfied, type Bound } from '../../core/bound.js';
import type { LatencySummary, MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { AlertCondition } from './alert-condition.js';

/**
 * Alert rules: the configured `monitoring.alerts` plus the rules implied by `sla_targets`, all
 * in one shape, and how each reads its value from a metrics snapshot.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One configured rule (a `monitoring.alerts` entry). */
export interface AlertRuleOptions {
  name: string;
  condition: AlertCondition;
  /** How long the condition must hold before the alert fires, ms. */
  durationMs: number;
  severity: AlertSeverity;
}

/** Latency targets per percentile, ms. */
export interface LatencyTargetsMs {
  p50: number;
  p95: number;
  p99: number;
}

/** The service-level targets (the `sla_targets` section). */
export interface SlaTargets {
  apiResponseTimeMs: LatencyTargetsMs;
  providerResponseTimeMs: LatencyTargetsMs;
  qualityEvaluationTimeMs: LatencyTargetsMs;
  /** A fraction, e.g. 0.999. */
  systemAvailability: number;
  /** What the error rate (a fraction) must satisfy, e.g. `< 0.1%`. */
  errorRate: Bound;
}

/** Each latency metric an SLA covers, with its targets. */
export const LATENCY_TARGETS = [
  ['api_response_time', 'apiResponseTimeMs'],
  ['provider_response_time', 'providerResponseTimeMs'],
  ['quality_evaluation_time', 'qualityEvaluationTimeMs'],
] as const satisfies readonly (readonly [AlertCondition['metric'], keyof SlaTargets])[];

export interface AlertRule {
  /** Stable slug of the name. */
  id: string;
  name: string;
  /** `rule`: from monitoring.alerts; `sla`: implied by sla_targets. */
  source: 'rule' | 'sla';
  condition: AlertCondition;
  /** How long the condition must hold before the alert fires. */
  durationMs: number;
  severity: AlertSeverity;
}

export interface SlaRuleOptions {
  /** Hold time for the implied SLA rules; default 5 min. */
  durationMs?: number;
  severity?: AlertSeverity;
}

const PERCENTILES = ['p50', 'p95', 'p99'] as const;
const INVERSE: Record<Bound['op'], Bound['op']> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

const formatValue = (value: number, unit: string): string => (unit === '%' ? `${+(value * 100).toPrecision(6)}%` : `${value}${unit}`);

function condition(aggregate: AlertCondition['aggregate'], metric: AlertCondition['metric'], bound: Bound): AlertCondition {
  const subject = aggregate === 'value' ? metric : `${aggregate}(${metric})`;
  return { aggregate, metric, bound, text: `${subject} ${bound.op} ${formatValue(bound.value, bound.unit)}` };
}

/**
 * The SLA as alert conditions, each true while the target is missed: `p95(api_response_time) >
 * 200ms`, …, `availability < 99.9%`, and the error-rate bound inverted (`< 0.1%` → `>= 0.1%`).
 */
export function slaConditions(targets: SlaTargets): AlertCondition[] {
  const conditions: AlertCondition[] = [];
  for (const [metric, key] of LATENCY_TARGETS) {
    for (const percentile of PERCENTILES) conditions.push(condition(percentile, metric, { op: '>', value: targets[key][percentile], unit: 'ms' }));
  }
  conditions.push(condition('value', 'availability', { op: '<', value: targets.systemAvailability, unit: '%' }));
  const errorBound = targets.errorRate;
  conditions.push(condition('value', 'error_rate', { op: INVERSE[errorBound.op], value: errorBound.value, unit: errorBound.unit || '%' }));
  return conditions;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'alert';
}

/**
 * Configured rules first, then SLA rules whose aggregate and metric no configured rule already
 * watches (the seed's `p95(api_response_time) > 200ms` rule stands for the p95 API target).
 */
export function buildAlertRules(configured: readonly AlertRuleOptions[], targets: SlaTargets | undefined, options: SlaRuleOptions = {}): AlertRule[] {
  const rules: AlertRule[] = configured.map((rule) => ({
    id: '',
    name: rule.name,
    source: 'rule',
    condition: rule.condition,
    durationMs: rule.durationMs,
    severity: rule.severity,
  }));
  const watched = new Set(configured.map((rule) => `${rule.condition.aggregate}(${rule.condition.metric})`));
  for (const sla of targets ? slaConditions(targets) : []) {
    if (watched.has(`${sla.aggregate}(${sla.metric})`)) continue;
    rules.push({ id: '', name: `SLA: ${sla.text}`, source: 'sla', condition: sla, durationMs: options.durationMs ?? 300_000, severity: options.severity ?? 'warning' });
  }
  const used = new Map<string, number>();
  for (const rule of rules) {
    const base = slug(rule.name);
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    rule.id = seen === 0 ? base : `${base}-${seen + 1}`;
  }
  return rules;
}

function fromLatency(latency: LatencySummary, aggregate: AlertCondition['aggregate'], rate: number): number | null {
  switch (aggregate) {
    case 'rate':
      return rate;
    case 'value':
    case 'avg':
      return latency.avg;
    default:
      return latency[aggregate];
  }
}

const plain = (aggregate: AlertCondition['aggregate'], value: number | null): number | null => (aggregate === 'value' || aggregate === 'avg' || aggregate === 'max' ? value : null);

/**
 * The observed value a condition compares, or undefined when the span has no data (or the
 * aggregate means nothing for the metric, e.g. `p95(error_rate)`); such a rule does not hold.
 * A latency's plain value is its mean; `rate(...)` is events per second.
 */
export function observedValue(snapshot: MetricsSnapshot, { aggregate, metric }: Pick<AlertCondition, 'aggregate' | 'metric'>): number | undefined {
  let value: number | null;
  switch (metric) {
    case 'api_response_time':
      value = fromLatency(snapshot.api.latency, aggregate, snapshot.api.requestRate);
      break;
    case 'provider_response_time':
      value = fromLatency(snapshot.providerLatency, aggregate, snapshot.providerCallRate);
      break;
    case 'quality_evaluation_time':
      value = fromLatency(snapshot.quality.evaluationTime, aggregate, snapshot.quality.evaluationRate);
      break;
    case 'error_rate':
      value = plain(aggregate, snapshot.api.errorRate);
      break;
    case 'availability':
      value = aggregate === 'value' || aggregate === 'avg' ? snapshot.api.availability : null;
      break;
    case 'cache_hit_ratio':
      value = plain(aggregate, snapshot.cache.hitRatio);
      break;
    case 'cost_per_request': {
      const perProvider = Object.values(snapshot.providers).flatMap((provider) => (provider.costPerRequest === null ? [] : [provider.costPerRequest]));
      value = aggregate === 'max' ? (perProvider.length ? Math.max(...perProvider) : null) : plain(aggregate, snapshot.costPerRequest);
      break;
    }
    case 'budget_utilization': {
      const scopes = Object.values(snapshot.budget);
      if (scopes.length === 0) value = null;
      else if (aggregate === 'avg') value = scopes.reduce((a, b) => a + b, 0) / scopes.length;
      else value = plain(aggregate, Math.max(...scopes));
      break;
    }
    case 'event_loop_lag': {
      const lag = snapshot.eventLoopLag;
      if (!lag || aggregate === 'rate') value = null;
      else if (aggregate === 'avg') value = lag.mean;
      else if (aggregate === 'value') value = lag.p99;
      else value = lag[aggregate];
      break;
    }
  }
  return value === null || Number.isNaN(value) ? undefined : value;
}

/**
 * How many observations stand behind a condition's value in the span: requests for the API
 * metrics, calls for provider metrics, lookups for the cache ratio. Undefined for gauges
 * (budget utilization, event-loop lag), which a minimum sample count does not apply to.
 */
export function sampleCount(snapshot: MetricsSnapshot, metric: AlertCondition['metric']): number | undefined {
  switch (metric) {
    case 'api_response_time':
    case 'error_rate':
    case 'availability':
      return snapshot.api.requests;
    case 'provider_response_time':
    case 'cost_per_request':
      return Object.values(snapshot.providers).reduce((sum, provider) => sum + provider.calls, 0);
    case 'quality_evaluation_time':
      return snapshot.quality.evaluationTime.count;
    case 'cache_hit_ratio':
      return snapshot.cache.hits + snapshot.cache.misses;
    case 'budget_utilization':
    case 'event_loop_lag':
      return undefined;
  }
}

/** Kept under its old name for the alert engine; the logic lives in `core/bound.ts`. */
export const compare = isSatisfied;
