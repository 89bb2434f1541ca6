import type { LatencySummary, MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { LatencyPercentiles } from '../../infrastructure/storage/repositories/provider-requests.js';
import type { SlaTargets } from '../sla/alert-rules.js';
import { findCostOpportunities, type CostOpportunity } from './cost-opportunities.js';

/**
 * `fortitude performance analyze`: the recent window judged against `sla_targets`, with the
 * bottlenecks it shows and what to do about each. Pure: the server gathers the inputs.
 */

import { ANALYSIS_COMPONENTS, type AnalysisComponent } from './analysis-components.js';

export { ANALYSIS_COMPONENTS, type AnalysisComponent };

export type CheckStatus = 'ok' | 'breach' | 'no_data';

export interface SlaCheck {
  component: AnalysisComponent;
  /** e.g. `p95(api_response_time)`, `error_rate`. */
  metric: string;
  /** As written: `<= 200 ms`, `>= 99.9%`. */
  target: string;
  targetValue: number;
  observed: number | null;
  unit: 'ms' | 'ratio';
  status: CheckStatus;
  /** Samples behind the observation. */
  samples: number;
}

export type Severity = 'high' | 'medium' | 'low';

export interface Bottleneck {
  component: AnalysisComponent;
  severity: Severity;
  finding: string;
  recommendation: string;
}

export interface ProviderRow {
  name: string;
  calls: number;
  successRate: number | null;
  latency: LatencySummary;
  costPerRequest: number | null;
  quality: number | null;
  rateLimited: number;
  circuit: string;
  /** Exact nearest-rank percentiles over the whole duration, from `provider_requests`. */
  recorded?: { count: number; p50: number; p95: number; p99: number; meanMs: number };
}

export interface OptimizerRecord {
  createdAt: number;
  subject: string;
  outcome: string | null;
  confidenceScore: number;
  after: unknown;
}

export interface AnalysisInput {
  snapshot: MetricsSnapshot;
  targets: SlaTargets;
  /** The duration asked for (the window may hold less). */
  requestedMs: number;
  /** `provider_requests` percentiles over the requested duration. */
  recorded?: LatencyPercentiles[];
  /** Budget utilisation by scope, 0–1 (may exceed 1). */
  budget?: Record<string, number>;
  /** Optimizer decisions (`learning_data`, type performance_optimization), newest first. */
  optimizer?: OptimizerRecord[];
  /** Only this component; all when undefined (`--comprehensive`). */
  component?: AnalysisComponent;
}

export interface PerformanceAnalysis {
  generatedAt: number;
  components: AnalysisComponent[];
  requestedMs: number;
  /** The span the window actually summarised. */
  coveredMs: number;
  notes: string[];
  traffic: { requests: number; requestRate: number; providerCalls: number };
  sla: SlaCheck[];
  bottlenecks: Bottleneck[];
  recommendations: string[];
  costOpportunities: CostOpportunity[];
  sections: {
    api?: MetricsSnapshot['api'] & { concurrentRequests: number };
    providers?: ProviderRow[];
    quality?: MetricsSnapshot['quality'];
    cache?: MetricsSnapshot['cache'];
    learning?: MetricsSnapshot['learning'] & { optimizer: { decisions: number; byOutcome: Record<string, number>; recent: OptimizerRecord[] } };
    system?: { eventLoopLag: MetricsSnapshot['eventLoopLag']; concurrentRequests: number; processes: number; redisDegraded: boolean; budget: Record<string, number> };
  };
}

const LATENCY_CHECKS = [
  ['api', 'api_response_time', 'apiResponseTimeMs', (snapshot: MetricsSnapshot) => snapshot.api.latency],
  ['providers', 'provider_response_time', 'providerResponseTimeMs', (snapshot: MetricsSnapshot) => snapshot.providerLatency],
  ['quality', 'quality_evaluation_time', 'qualityEvaluationTimeMs', (snapshot: MetricsSnapshot) => snapshot.quality.evaluationTime],
] as const;

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
const ms = (value: number | null) => (value === null ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
const pct = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(2)}%`);

function slaChecks(snapshot: MetricsSnapshot, targets: SlaTargets): SlaCheck[] {
  const checks: SlaCheck[] = [];
  for (const [component, metric, key, read] of LATENCY_CHECKS) {
    const latency = read(snapshot);
    for (const percentile of ['p50', 'p95', 'p99'] as const) {
      const observed = latency[percentile];
      const target = targets[key][percentile];
      checks.push({
        component,
        metric: `${percentile}(${metric})`,
        target: `<= ${target} ms`,
        targetValue: target,
        observed,
        unit: 'ms',
        status: observed === null ? 'no_data' : observed <= target ? 'ok' : 'breach',
        samples: latency.count,
      });
    }
  }
  const availability = snapshot.api.availability;
  checks.push({
    component: 'api',
    metric: 'availability',
    target: `>= ${pct(targets.systemAvailability)}`,
    targetValue: targets.systemAvailability,
    observed: availability,
    unit: 'ratio',
    status: availability === null ? 'no_data' : availability >= targets.systemAvailability ? 'ok' : 'breach',
    samples: snapshot.api.requests,
  });
  const errorRate = snapshot.api.errorRate;
  const bound = targets.errorRate;
  const satisfied = errorRate === null ? null : compare(bound.op, errorRate, bound.value);
  checks.push({
    component: 'api',
    metric: 'error_rate',
    target: `${bound.op} ${pct(bound.value)}`,
    targetValue: bound.value,
    observed: errorRate,
    unit: 'ratio',
    status: satisfied === null ? 'no_data' : satisfied ? 'ok' : 'breach',
    samples: snapshot.api.requests,
  });
  return checks;
}

function compare(op: '<' | '<=' | '>' | '>=', observed: number, value: number): boolean {
  return op === '<' ? observed < value : op === '<=' ? observed <= value : op === '>' ? observed > value : observed >= value;
}

function providerRows(snapshot: MetricsSnapshot, recorded: LatencyPercentiles[] | undefined): ProviderRow[] {
  const names = new Set([...Object.keys(snapshot.providers), ...(recorded ?? []).map((row) => row.provider)]);
  return [...names].sort().map((name) => {
    const summary = snapshot.providers[name];
    const durable = recorded?.find((row) => row.provider === name);
    return {
      name,
      calls: summary?.calls ?? 0,
      successRate: summary?.successRate ?? null,
      latency: summary?.latency ?? { count: 0, avg: null, p50: null, p95: null, p99: null, max: null },
      costPerRequest: summary?.costPerRequest ?? null,
      quality: summary?.quality.avg ?? null,
      rateLimited: summary?.rateLimited ?? 0,
      circuit: snapshot.circuits[name] ?? 'closed',
      ...(durable ? { recorded: { count: durable.count, p50: durable.p50, p95: durable.p95, p99: durable.p99, meanMs: durable.meanMs } } : {}),
    };
  });
}

function findBottlenecks(input: AnalysisInput, checks: SlaCheck[], rows: ProviderRow[], opportunities: CostOpportunity[]): Bottleneck[] {
  const { snapshot, targets } = input;
  const found: Bottleneck[] = [];
  const breach = (metric: string) => checks.find((check) => check.metric === metric && check.status === 'breach');

  const apiP95 = breach('p95(api_response_time)') ?? breach('p99(api_response_time)');
  if (apiP95) {
    const providerP95 = snapshot.providerLatency.p95;
    const share = providerP95 !== null && apiP95.observed ? providerP95 / apiP95.observed : 0;
    found.push(
      share >= 0.7
        ? {
            component: 'api',
            severity: 'high',
            finding: `${apiP95.metric} is ${ms(apiP95.observed)} against ${apiP95.target}; provider p95 (${ms(providerP95)}) is ${(share * 100).toFixed(0)}% of it — upstream time dominates`,
            recommendation: 'Serve more from cache (raise query_results TTL, enable the semantic layer, warm popular queries) and route latency-sensitive traffic to the fastest provider',
          }
        : {
            component: 'api',
            severity: 'high',
            finding: `${apiP95.metric} is ${ms(apiP95.observed)} against ${apiP95.target} while providers take ${ms(providerP95)} at p95 — time goes inside Fortitude`,
            recommendation: 'Profile the server (`fortitude profile cpu --flame-graph`, `profile database --slow-queries`) to find the hot path',
          },
    );
  }
  const errors = breach('error_rate') ?? breach('availability');
  if (errors) {
    found.push({
      component: 'api',
      severity: 'high',
      finding: `error rate ${pct(snapshot.api.errorRate)} (${snapshot.api.errors} server errors in ${snapshot.api.requests} requests) misses ${targets.errorRate.op} ${pct(targets.errorRate.value)}`,
      recommendation: 'Check provider failures and open circuits below; `fortitude profile providers --trace-requests` shows each failing attempt',
    });
  }

  const measured = rows.filter((row) => row.calls >= 10 && row.latency.p95 !== null);
  if (measured.length >= 2) {
    const sorted = [...measured].sort((a, b) => a.latency.p95! - b.latency.p95!);
    const fastest = sorted[0]!;
    const slowest = sorted[sorted.length - 1]!;
    if (slowest.latency.p95! > 2 * fastest.latency.p95! && slowest.latency.p95! > 50) {
      found.push({
        component: 'providers',
        severity: breach('p95(provider_response_time)') ? 'high' : 'medium',
        finding: `${slowest.name} is ${(slowest.latency.p95! / fastest.latency.p95!).toFixed(1)}× slower than ${fastest.name} at p95 (${ms(slowest.latency.p95)} vs ${ms(fastest.latency.p95)})`,
        recommendation: `Shift weight from ${slowest.name} to ${fastest.name} (performance_optimized routing or the optimizer's provider rules), or lower ${slowest.name}'s timeout`,
      });
    }
  }
  for (const row of rows) {
    if (row.calls >= 10 && row.successRate !== null && row.successRate < 0.99) {
      found.push({
        component: 'providers',
        severity: row.successRate < 0.95 ? 'high' : 'medium',
        finding: `${row.name} answered ${pct(row.successRate)} of ${row.calls} calls${row.rateLimited > 0 ? `; ${row.rateLimited} refused by rate limits` : ''}`,
        recommendation: row.rateLimited > 0 ? `Raise ${row.name}'s rate limit or spread load to other providers` : `Check ${row.name}'s key, quota and status; fallback covers it meanwhile`,
      });
    }
    if (row.circuit === 'open') {
      found.push({ component: 'providers', severity: 'high', finding: `${row.name}'s circuit breaker is open: calls are refused locally`, recommendation: `Wait for the half-open probe or fix ${row.name}; traffic falls back meanwhile` });
    }
  }
  const qualityP95 = breach('p95(quality_evaluation_time)');
  if (qualityP95) {
    found.push({
      component: 'quality',
      severity: 'medium',
      finding: `quality evaluation takes ${ms(qualityP95.observed)} at p95 against ${qualityP95.target}`,
      recommendation: 'Skip cross-validation for simple queries and lower max_quality_retries; long answers cost most to score',
    });
  }
  const cache = snapshot.cache;
  if (cache.hits + cache.misses >= 20 && cache.hitRatio !== null && cache.hitRatio < 0.3) {
    found.push({
      component: 'cache',
      severity: 'medium',
      finding: `cache hit ratio is ${pct(cache.hitRatio)} over ${cache.hits + cache.misses} lookups`,
      recommendation: 'Raise query_results TTL, lower the semantic similarity threshold carefully, and warm frequent queries',
    });
  }
  const lag = snapshot.eventLoopLag;
  if (lag && lag.p99 > 50) {
    found.push({
      component: 'system',
      severity: lag.p99 > 100 ? 'high' : 'medium',
      finding: `event-loop delay p99 is ${ms(lag.p99)} (max ${ms(lag.max)}): something blocks the main thread`,
      recommendation: 'Record `fortitude profile cpu --flame-graph` under load and move the widest frames off the request path',
    });
  }
  for (const [scope, utilisation] of Object.entries(input.budget ?? snapshot.budget)) {
    if (utilisation >= 0.8) {
      found.push({
        component: 'system',
        severity: utilisation >= 1 ? 'high' : 'medium',
        finding: `${scope} budget is ${pct(utilisation)} used`,
        recommendation: 'Apply the cost opportunities below or `fortitude costs optimize`; budget actions throttle then pause expensive providers',
      });
    }
  }
  for (const opportunity of opportunities.slice(0, 3)) {
    found.push({ component: 'providers', severity: 'low', finding: opportunity.summary, recommendation: `Prefer ${opportunity.to} over ${opportunity.from} where quality allows (\`fortitude costs optimize\`)` });
  }
  const adaptation = snapshot.learning.adaptationTime;
  if (adaptation.p95 !== null && adaptation.p95 > 50) {
    found.push({ component: 'learning', severity: 'low', finding: `routing adaptation takes ${ms(adaptation.p95)} at p95`, recommendation: 'Lengthen the learning update interval or shorten performance_window' });
  }
  const rolledBack = (input.optimizer ?? []).filter((record) => record.outcome === 'rolled_back').length;
  if (rolledBack > 0) {
    found.push({ component: 'learning', severity: 'low', finding: `the optimizer rolled back ${rolledBack} change(s) that did not help`, recommendation: 'Review them in `fortitude performance report`; repeated rollbacks of one rule suggest raising its confidence bar' });
  }
  return found.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

export function analyzePerformance(input: AnalysisInput): PerformanceAnalysis {
  const { snapshot } = input;
  const components: AnalysisComponent[] = input.component ? (input.component === 'quality' ? ['quality', 'cache'] : [input.component]) : [...ANALYSIS_COMPONENTS];
  const wanted = (component: AnalysisComponent) => components.includes(component);
  const rows = providerRows(snapshot, input.recorded);
  const checks = slaChecks(snapshot, input.targets);
  const opportunities = findCostOpportunities(snapshot);
  const bottlenecks = findBottlenecks(input, checks, rows, opportunities).filter((bottleneck) => wanted(bottleneck.component));
  const notes: string[] = [];
  if (input.requestedMs > snapshot.spanMs + snapshot.bucketMs) {
    notes.push(
      `the rolling window holds ${Math.round(snapshot.spanMs / 1000)} s (selection_strategy.performance_window); live figures cover that span` +
        (input.recorded ? `, recorded provider percentiles cover the full ${Math.round(input.requestedMs / 1000)} s` : ''),
    );
  }
  if (snapshot.api.requests === 0) notes.push('no API requests in the window: send traffic or widen --duration');
  if (snapshot.processes > 1) notes.push(`aggregated over ${snapshot.processes} worker processes`);
  const optimizer = input.optimizer ?? [];
  const byOutcome: Record<string, number> = {};
  for (const record of optimizer) byOutcome[record.outcome ?? 'pending'] = (byOutcome[record.outcome ?? 'pending'] ?? 0) + 1;

  const analysis: PerformanceAnalysis = {
    generatedAt: snapshot.at,
    components,
    requestedMs: input.requestedMs,
    coveredMs: snapshot.spanMs,
    notes,
    // Over the span the analysis states ("last N s"), not the server's uptime within it: a server
    // up 20 s of a 300 s span served its requests at requests / 300 s over that span.
    traffic: { requests: snapshot.api.requests, requestRate: snapshot.api.requests / Math.max(1, snapshot.spanMs / 1000), providerCalls: Object.values(snapshot.providers).reduce((total, provider) => total + provider.calls, 0) },
    sla: checks.filter((check) => wanted(check.component)),
    bottlenecks,
    recommendations: [...new Set(bottlenecks.map((bottleneck) => bottleneck.recommendation))],
    costOpportunities: wanted('providers') ? opportunities : [],
    sections: {},
  };
  if (wanted('api')) analysis.sections.api = { ...snapshot.api, concurrentRequests: snapshot.concurrentRequests };
  if (wanted('providers')) analysis.sections.providers = rows;
  if (wanted('quality')) analysis.sections.quality = snapshot.quality;
  if (wanted('cache')) analysis.sections.cache = snapshot.cache;
  if (wanted('learning')) analysis.sections.learning = { ...snapshot.learning, optimizer: { decisions: optimizer.length, byOutcome, recent: optimizer.slice(0, 10) } };
  if (wanted('system')) {
    analysis.sections.system = {
      eventLoopLag: snapshot.eventLoopLag,
      concurrentRequests: snapshot.concurrentRequests,
      processes: snapshot.processes,
      redisDegraded: snapshot.redisDegraded,
      budget: input.budget ?? snapshot.budget,
    };
  }
  return analysis;
}
