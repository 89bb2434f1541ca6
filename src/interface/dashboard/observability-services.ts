import type { ServerObservability } from '../../pipeline/fortitude.js';
import type { SnapshotOptions } from '../../infrastructure/metrics/metrics.js';
import type { MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { LearningRepository } from '../../infrastructure/storage/repositories/learning.js';
import type { ProviderRequestsRepository } from '../../infrastructure/storage/repositories/provider-requests.js';
import type { QualityAggregate, QualityMetricsRepository } from '../../infrastructure/storage/repositories/quality-metrics.js';
import { OPTIMIZER_LEARNING_TYPE } from '../../operations/optimizer/decision-log.js';
import { analyzePerformance, type AnalysisComponent, type PerformanceAnalysis } from '../../operations/profiling/performance-analysis.js';
import { buildPerformanceReport, type PerformanceReport } from '../../operations/profiling/performance-report.js';
import type { ProfileKind, ProfileRequest, ProfileResult, ProfilingService } from '../../operations/profiling/profiling-service.js';
import type { AlertList } from '../../operations/sla/alert-engine.js';
import type { SlaTargets } from '../../operations/sla/alert-rules.js';
import { buildDashboardSnapshot, type BudgetPeriodView, type DashboardSnapshot } from './dashboard-snapshot.js';

export interface ObservabilityDeps {
  /** The metrics window (cluster-aggregated when clustered). */
  readSnapshot(options: SnapshotOptions): Promise<MetricsSnapshot>;
  targets: SlaTargets;
  budget?: () => { day: BudgetPeriodView; month: BudgetPeriodView };
  alerts?: { listAlerts(): AlertList };
  storage: {
    providerRequests: Pick<ProviderRequestsRepository, 'latencyPercentiles' | 'costSummary' | 'dailyUsage'>;
    learning: Pick<LearningRepository, 'listRecent'>;
    qualityMetrics?: Pick<QualityMetricsRepository, 'aggregate'>;
  };
  profiling: ProfilingService;
  now?: () => number;
}

/** Optimizer decisions read for a report or analysis. */
const DECISION_LIMIT = 500;
/** Stored quality scores are re-read at most this often (the dashboard polls every 2 s). */
const QUALITY_TTL_MS = 5_000;

/**
 * Per-provider quality in the live window comes from quality observations that name their
 * provider; where the window has none, the evaluator scores stored with each result over the
 * same span stand in.
 */
export function withRecordedQuality(snapshot: MetricsSnapshot, aggregates: readonly QualityAggregate[]): MetricsSnapshot {
  const byProvider = new Map<string, { count: number; sum: number }>();
  for (const row of aggregates) {
    const entry = byProvider.get(row.provider) ?? { count: 0, sum: 0 };
    entry.count += row.count;
    entry.sum += row.averageComposite * row.count;
    byProvider.set(row.provider, entry);
  }
  const providers = { ...snapshot.providers };
  let changed = false;
  for (const [name, summary] of Object.entries(providers)) {
    const recorded = byProvider.get(name);
    if (summary.quality.count > 0 || !recorded || recorded.count === 0) continue;
    providers[name] = { ...summary, quality: { count: recorded.count, avg: recorded.sum / recorded.count } };
    changed = true;
  }
  return changed ? { ...snapshot, providers } : snapshot;
}

/**
 * The facade's observability part for a serving process (`ServerObservability`): the dashboard's
 * data, alerts, performance analysis and report, and on-demand profiles, over the metrics reader,
 * storage and engines `serve` builds.
 */
export function createObservabilityServices(deps: ObservabilityDeps): ServerObservability {
  const now = deps.now ?? Date.now;
  const budgetScopes = () => {
    const state = deps.budget?.();
    return state ? { daily: state.day.utilisation, monthly: state.month.utilisation } : undefined;
  };
  const decisions = () => deps.storage.learning.listRecent({ learningType: OPTIMIZER_LEARNING_TYPE, limit: DECISION_LIMIT });
  let qualityCache: { key: string; at: number; rows: Promise<QualityAggregate[]> } | undefined;
  const recordedQuality = (spanMs: number, at: number): Promise<QualityAggregate[]> => {
    const repository = deps.storage.qualityMetrics;
    if (!repository) return Promise.resolve([]);
    const key = String(spanMs);
    if (qualityCache && qualityCache.key === key && at - qualityCache.at < QUALITY_TTL_MS) return qualityCache.rows;
    const rows = repository.aggregate({ from: at - spanMs, to: at + 1, source: 'evaluator' }).catch(() => []);
    qualityCache = { key, at, rows };
    return rows;
  };
  const read = async (options: SnapshotOptions & { spanMs: number }) => {
    const [snapshot, quality] = await Promise.all([deps.readSnapshot(options), recordedQuality(options.spanMs, now())]);
    return withRecordedQuality(snapshot, quality);
  };

  return {
    async dashboardSnapshot({ spanMs }): Promise<DashboardSnapshot> {
      const snapshot = await read({ spanMs, timeline: true });
      return buildDashboardSnapshot({
        snapshot,
        targets: deps.targets,
        ...(deps.budget ? { budget: deps.budget() } : {}),
        ...(deps.alerts ? { alerts: deps.alerts.listAlerts() } : {}),
      });
    },
    alerts: async (): Promise<AlertList | null> => deps.alerts?.listAlerts() ?? null,
    // The HTTP route checks `component` and the profile's `kind` against their lists.
    async performanceAnalysis({ durationMs, component }: { durationMs: number; component?: AnalysisComponent }): Promise<PerformanceAnalysis> {
      const at = now();
      const [snapshot, recorded, learning] = await Promise.all([
        read({ spanMs: durationMs }),
        deps.storage.providerRequests.latencyPercentiles({ from: at - durationMs, to: at + 1 }),
        decisions(),
      ]);
      const budget = budgetScopes();
      return analyzePerformance({
        snapshot,
        targets: deps.targets,
        requestedMs: durationMs,
        recorded,
        optimizer: learning.filter((record) => record.createdAt >= at - durationMs),
        ...(budget ? { budget } : {}),
        ...(component ? { component } : {}),
      });
    },
    async performanceReport({ rangeMs }): Promise<PerformanceReport> {
      const at = now();
      const window = { from: at - rangeMs, to: at + 1 };
      const [snapshot, latency, costByProvider, daily, learning] = await Promise.all([
        read({ spanMs: rangeMs, timeline: true }),
        deps.storage.providerRequests.latencyPercentiles(window),
        deps.storage.providerRequests.costSummary({ ...window, groupBy: ['provider'] }),
        deps.storage.providerRequests.dailyUsage(window),
        decisions(),
      ]);
      const budget = budgetScopes();
      return buildPerformanceReport({
        now: at,
        rangeMs,
        snapshot,
        targets: deps.targets,
        recorded: { latency, costByProvider, daily },
        learning,
        ...(budget ? { budget } : {}),
        ...(deps.alerts ? { alerts: deps.alerts.listAlerts() } : {}),
      });
    },
    profile: (kind: ProfileKind, request: ProfileRequest): Promise<ProfileResult> => deps.profiling.run(kind, request),
    heapSnapshot: () => deps.profiling.heapSnapshot(),
  };
}
