import type { MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { AlertList } from '../../operations/sla/alert-engine.js';
import type { SlaTargets } from '../../operations/sla/alert-rules.js';
import { findCostOpportunities, type CostOpportunity } from '../../operations/profiling/cost-opportunities.js';

/**
 * What `GET /api/dashboard/snapshot` returns and the dashboard draws: the rolling window over
 * the chosen span with one point per bucket, per-provider figures, budget, cache and alerts.
 * Latencies in ms, ratios 0–1, money USD, times epoch ms; null = no samples.
 */

export interface DashboardPoint {
  t: number;
  requests: number;
  errors: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  providerP95: number | null;
  qualityP95: number | null;
  costUsd: number;
  cacheHitRatio: number | null;
}

export interface DashboardProvider {
  name: string;
  calls: number;
  failures: number;
  successRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  costUsd: number;
  costPerRequest: number | null;
  quality: number | null;
  qualityCount: number;
  rateLimited: number;
  circuit: string;
}

export interface BudgetPeriodView {
  key: string;
  spentUsd: number;
  reservedUsd: number;
  limitUsd: number;
  utilisation: number;
}

export interface DashboardSnapshot {
  at: number;
  spanMs: number;
  bucketMs: number;
  processes: number;
  sla: {
    api: { p50: number; p95: number; p99: number };
    provider: { p50: number; p95: number; p99: number };
    quality: { p50: number; p95: number; p99: number };
    availability: number;
    errorRate: { op: string; value: number };
  };
  api: MetricsSnapshot['api'] & { concurrentRequests: number };
  providerLatency: MetricsSnapshot['providerLatency'];
  providers: DashboardProvider[];
  quality: MetricsSnapshot['quality'];
  cache: MetricsSnapshot['cache'];
  costPerRequest: number | null;
  budget: { daily: BudgetPeriodView | null; monthly: BudgetPeriodView | null; scopes: Record<string, number> };
  opportunities: CostOpportunity[];
  eventLoopLag: MetricsSnapshot['eventLoopLag'];
  alerts: { evaluatedAt: number | null; rules: number; firing: number; pending: number; active: { name: string; state: string; severity: string; condition: string; value: number | null; since: number }[]; recent: AlertList['history'] } | null;
  timeline: DashboardPoint[];
}

export interface DashboardInput {
  snapshot: MetricsSnapshot;
  targets: SlaTargets;
  budget?: { day: BudgetPeriodView; month: BudgetPeriodView };
  alerts?: AlertList;
}

export function buildDashboardSnapshot(input: DashboardInput): DashboardSnapshot {
  const { snapshot, targets } = input;
  const providers = Object.entries(snapshot.providers).map(([name, summary]) => ({
    name,
    calls: summary.calls,
    failures: summary.failures,
    successRate: summary.successRate,
    p50: summary.latency.p50,
    p95: summary.latency.p95,
    p99: summary.latency.p99,
    costUsd: summary.costUsd,
    costPerRequest: summary.costPerRequest,
    quality: summary.quality.avg,
    qualityCount: summary.quality.count,
    rateLimited: summary.rateLimited,
    circuit: snapshot.circuits[name] ?? 'closed',
  }));
  const alerts = input.alerts;
  const active = alerts?.alerts.filter((alert) => alert.state === 'firing' || alert.state === 'pending') ?? [];
  return {
    at: snapshot.at,
    spanMs: snapshot.spanMs,
    bucketMs: snapshot.bucketMs,
    processes: snapshot.processes,
    sla: {
      api: targets.apiResponseTimeMs,
      provider: targets.providerResponseTimeMs,
      quality: targets.qualityEvaluationTimeMs,
      availability: targets.systemAvailability,
      errorRate: { op: targets.errorRate.op, value: targets.errorRate.value },
    },
    api: { ...snapshot.api, concurrentRequests: snapshot.concurrentRequests },
    providerLatency: snapshot.providerLatency,
    providers,
    quality: snapshot.quality,
    cache: snapshot.cache,
    costPerRequest: snapshot.costPerRequest,
    budget: { daily: input.budget?.day ?? null, monthly: input.budget?.month ?? null, scopes: snapshot.budget },
    opportunities: findCostOpportunities(snapshot),
    eventLoopLag: snapshot.eventLoopLag,
    alerts: alerts
      ? {
          evaluatedAt: alerts.evaluatedAt,
          rules: alerts.alerts.length,
          firing: active.filter((alert) => alert.state === 'firing').length,
          pending: active.filter((alert) => alert.state === 'pending').length,
          active: active.map((alert) => ({ name: alert.name, state: alert.state, severity: alert.severity, condition: alert.condition, value: alert.value, since: alert.since })),
          recent: alerts.history.slice(0, 10),
        }
      : null,
    timeline: fillGaps(snapshot, (snapshot.timeline ?? []).map((point) => ({
      t: point.t,
      requests: point.requests,
      errors: point.errors,
      errorRate: point.requests > 0 ? point.errors / point.requests : null,
      p50: point.p50,
      p95: point.p95,
      p99: point.p99,
      providerP95: point.providerP95,
      qualityP95: point.qualityP95,
      costUsd: point.costUsd,
      cacheHitRatio: point.cacheHits + point.cacheMisses > 0 ? point.cacheHits / (point.cacheHits + point.cacheMisses) : null,
    }))),
  };
}

/** One point per bucket of the span: a bucket without events is zero requests and no latency. */
function fillGaps(snapshot: MetricsSnapshot, points: DashboardPoint[]): DashboardPoint[] {
  const bucket = snapshot.bucketMs;
  if (!(bucket > 0)) return points;
  const byStart = new Map(points.map((point) => [point.t, point]));
  const first = Math.floor((snapshot.at - snapshot.spanMs) / bucket) * bucket;
  const last = Math.floor(snapshot.at / bucket) * bucket;
  const filled: DashboardPoint[] = [];
  for (let t = first; t <= last; t += bucket) {
    filled.push(
      byStart.get(t) ?? { t, requests: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null, providerP95: null, qualityP95: null, costUsd: 0, cacheHitRatio: null },
    );
  }
  // Points off the bucket grid (none expected) are kept rather than dropped.
  for (const point of points) if (point.t < first || point.t > last || (point.t - first) % bucket !== 0) filled.push(point);
  return filled.sort((a, b) => a.t - b.t);
}
