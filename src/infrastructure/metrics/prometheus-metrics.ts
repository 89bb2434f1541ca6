import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-series.js';
import { flag } from './metrics-options.js';
import type { MetricsComponents } from './metrics-options.js';
import type { CircuitStateName, GaugeState } from './metrics-snapshot.js';

/**
 * Every `/metrics` series of the seed's performance-monitoring.yaml, one per enabled flag (a
 * disabled flag leaves the field undefined, so recorders skip it for free). Durations are
 * exported in seconds, as Prometheus expects; buckets bracket the SLA targets (100/150/200/500 ms
 * for the API, 1/3/5 s for providers, 50/100/200 ms for quality evaluation).
 *
 * Counters and histograms are `fast-series.ts` (recorded in place, formatted by prom-client at
 * scrape); gauges are prom-client Gauges that read the facade's state in `collect()`, so they
 * cost nothing per request and always agree with the JSON snapshot.
 *
 * `aggregator` says how cluster workers combine (prom-client's AggregatorRegistry): counts and
 * histograms add up; shared or namespace-wide values (budget, circuit state, network) take the
 * maximum; ratios average (the exact ratio is the counters' quotient).
 */

const API_BUCKETS_FINE = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60];
const API_BUCKETS_COARSE = [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 5, 30];
const PROVIDER_BUCKETS_FINE = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20, 30, 60, 120];
const PROVIDER_BUCKETS_COARSE = [0.1, 0.5, 1, 3, 5, 10, 30, 120];
const QUALITY_BUCKETS_FINE = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.5, 1, 2];
const QUALITY_BUCKETS_COARSE = [0.001, 0.01, 0.05, 0.1, 0.2, 1];
const LEARNING_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];
const FEEDBACK_BUCKETS = [0.01, 0.1, 1, 5, 10, 30, 60, 300, 900, 3600, 86_400];
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1];
const COST_BUCKETS = [0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
const CIRCUIT_VALUE: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

export interface PrometheusMetrics {
  apiDuration?: FastHistogram;
  apiRequests?: FastCounter;
  apiErrors?: FastCounter;
  providerDuration?: FastHistogram;
  providerTokens?: FastCounter;
  providerCost?: FastCounter;
  providerCostPerRequest?: FastHistogram;
  providerRequests?: FastCounter;
  providerRateLimited?: FastCounter;
  clientAborts?: FastCounter;
  qualityDuration?: FastHistogram;
  qualityScore?: FastHistogram;
  cacheRequests?: FastCounter;
  cacheLookups?: FastCounter;
  learningAdaptation?: FastHistogram;
  learningPattern?: FastHistogram;
  learningFeedback?: FastHistogram;
  redisDegradedTotal: FastCounter;
  labelOverflow: FastCounter;
  alertTransitions: FastCounter;
  alertNotifications: FastCounter;
}

/** What the collect-time gauges read. */
export interface GaugeSources {
  gauges(): Omit<GaugeState, 'eventLoopLag'>;
  /** provider → calls and successes since start. */
  providerTotals: ReadonlyMap<string, { calls: number; ok: number }>;
  /** cache level (`all` for whole lookups) → reads and hits since start. */
  cacheTotals: ReadonlyMap<string, { reads: number; hits: number }>;
  /** Drains buffered observations before a scrape reads the series. */
  beforeRead: () => void;
}

export function registerPrometheusMetrics(
  registry: Registry,
  prefix: string,
  components: MetricsComponents | undefined,
  highResolution: boolean,
  sources: GaugeSources,
): PrometheusMetrics {
  const on = <C extends keyof MetricsComponents>(component: C, name: keyof NonNullable<MetricsComponents[C]>) => flag(components, component, name);
  const buckets = (fine: number[], coarse: number[]) => (highResolution ? fine : coarse);
  const histogram = (name: string, help: string, labelNames: readonly string[], bucketList: number[]) =>
    new FastHistogram({ name: prefix + name, help, labelNames, buckets: bucketList, beforeRead: sources.beforeRead }).register(registry);
  const counter = (name: string, help: string, labelNames: readonly string[]) =>
    new FastCounter({ name: prefix + name, help, labelNames, beforeRead: sources.beforeRead }).register(registry);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], aggregator: 'sum' | 'max' | 'average', collect: (this: Gauge<L>) => void) =>
    new Gauge<L>({ name: prefix + name, help, labelNames, registers: [registry], aggregator, collect });

  if (on('api_server', 'concurrent_requests')) {
    gauge('api_concurrent_requests', 'API requests in flight', [], 'sum', function () {
      this.set(sources.gauges().concurrentRequests);
    });
  }
  if (on('providers', 'cost_per_request')) {
    gauge('budget_utilization_ratio', 'Budget used in the current period, fraction of the limit', ['scope'], 'max', function () {
      this.reset();
      for (const [scope, value] of Object.entries(sources.gauges().budget)) this.set({ scope }, value);
    });
  }
  if (on('providers', 'success_rate')) {
    gauge('provider_success_ratio', 'Successful provider calls since start, fraction', ['provider'], 'average', function () {
      this.reset();
      for (const [provider, totals] of sources.providerTotals) this.set({ provider }, totals.ok / totals.calls);
    });
    gauge('provider_circuit_state', 'Circuit breaker: 0 closed, 1 half-open, 2 open', ['provider'], 'max', function () {
      this.reset();
      for (const [provider, state] of Object.entries(sources.gauges().circuits)) this.set({ provider }, CIRCUIT_VALUE[state]);
    });
  }
  if (on('quality_system', 'cache_hit_ratio')) {
    gauge('cache_hit_ratio', 'Cache hits / reads since start, per level (`all`: whole lookups)', ['level'], 'average', function () {
      this.reset();
      for (const [level, totals] of sources.cacheTotals) this.set({ level }, totals.hits / totals.reads);
    });
  }
  gauge('redis_degraded', '1 while Redis is unreachable and caching runs degraded', [], 'max', function () {
    this.set(sources.gauges().redisDegraded ? 1 : 0);
  });

  return {
    apiDuration: on('api_server', 'request_duration')
      ? histogram('api_request_duration_seconds', 'API request duration, seconds', ['route', 'method', 'status_class'], buckets(API_BUCKETS_FINE, API_BUCKETS_COARSE))
      : undefined,
    apiRequests: on('api_server', 'request_rate') ? counter('api_requests_total', 'API requests served', ['route', 'method', 'status_class']) : undefined,
    clientAborts: on('api_server', 'error_rate') ? counter('api_client_aborts_total', 'Requests the client abandoned before the answer (status 499; logged at debug, not as errors)', []) : undefined,
    apiErrors: on('api_server', 'error_rate') ? counter('api_errors_total', 'API responses with status >= 400', ['route', 'status_class']) : undefined,

    providerDuration: on('providers', 'response_time')
      ? histogram('provider_response_duration_seconds', 'Provider call duration, seconds', ['provider', 'model', 'outcome'], buckets(PROVIDER_BUCKETS_FINE, PROVIDER_BUCKETS_COARSE))
      : undefined,
    providerTokens: on('providers', 'token_usage') ? counter('provider_tokens_total', 'Tokens used, by direction (input|output)', ['provider', 'model', 'direction']) : undefined,
    providerCost: on('providers', 'cost_per_request') ? counter('provider_cost_usd_total', 'Provider spend, USD', ['provider', 'model']) : undefined,
    providerCostPerRequest: on('providers', 'cost_per_request')
      ? histogram('provider_cost_per_request_usd', 'Cost of one provider call, USD', ['provider'], COST_BUCKETS)
      : undefined,
    providerRequests: on('providers', 'success_rate')
      ? counter('provider_requests_total', 'Provider calls by outcome (success|error|timeout|rate_limited|…)', ['provider', 'model', 'outcome'])
      : undefined,
    providerRateLimited: on('providers', 'success_rate') ? counter('provider_rate_limited_total', 'Calls refused by a rate limit (local or upstream 429)', ['provider']) : undefined,

    qualityDuration: on('quality_system', 'evaluation_time')
      ? histogram('quality_evaluation_duration_seconds', 'Quality evaluation duration, seconds', ['research_type'], buckets(QUALITY_BUCKETS_FINE, QUALITY_BUCKETS_COARSE))
      : undefined,
    qualityScore: on('quality_system', 'quality_scores') ? histogram('quality_score', 'Quality scores (0–1)', ['research_type'], SCORE_BUCKETS) : undefined,
    cacheRequests: on('quality_system', 'cache_hit_ratio') ? counter('cache_requests_total', 'Cache reads per level', ['level', 'strategy', 'result']) : undefined,
    cacheLookups: on('quality_system', 'cache_hit_ratio') ? counter('cache_lookups_total', 'Cache lookups over all levels', ['strategy', 'result']) : undefined,

    learningAdaptation: on('learning_system', 'adaptation_time')
      ? histogram('learning_adaptation_duration_seconds', 'Time to adapt routing weights, seconds', [], LEARNING_BUCKETS)
      : undefined,
    learningPattern: on('learning_system', 'pattern_processing')
      ? histogram('learning_pattern_processing_duration_seconds', 'Time to process usage patterns, seconds', [], LEARNING_BUCKETS)
      : undefined,
    learningFeedback: on('learning_system', 'feedback_latency')
      ? histogram('learning_feedback_latency_seconds', 'Delay from an answer to its feedback being applied, seconds', [], FEEDBACK_BUCKETS)
      : undefined,

    redisDegradedTotal: counter('redis_degraded_total', 'Times Redis went from healthy to degraded', []),
    labelOverflow: counter('metrics_label_overflow_total', 'Label values folded into `other` by high_cardinality_limit', ['label']),
    alertTransitions: counter('alert_transitions_total', 'Alert state changes', ['severity', 'state']),
    alertNotifications: counter('alert_notifications_total', 'Alert webhook deliveries by outcome (delivered|retried|failed|dropped)', ['outcome']),
  };
}
