import type { MetricsSnapshot, TimelinePoint } from '../../infrastructure/metrics/metrics-snapshot.js';
import type { CostSummaryRow, DailyUsage, LatencyPercentiles } from '../../infrastructure/storage/repositories/provider-requests.js';
import type { LearningRecord } from '../../infrastructure/storage/repositories/learning.js';
import type { AlertList, AlertTransition, AlertView } from '../sla/alert-engine.js';
import type { SlaTargets } from '../sla/alert-rules.js';
import { analyzePerformance, type PerformanceAnalysis } from './performance-analysis.js';

/**
 * `fortitude performance report`: the live window (with its timeline), the analysis, durable
 * figures over the whole time range from `provider_requests`, the optimizer's decisions from
 * `learning_data` and the alerts. Built on the server; rendered by the CLI (text, JSON, HTML).
 */

export interface OptimizerDecisionView {
  at: number;
  subject: string;
  outcome: string | null;
  confidence: number;
  type: string | null;
  description: string | null;
  reason: string | null;
  /** The watched metric and its value before and after (when judged). */
  metric: string | null;
  before: number | null;
  after: number | null;
}

export interface PerformanceReport {
  generatedAt: number;
  range: { from: number; to: number };
  window: { spanMs: number; bucketMs: number; processes: number; timeline: TimelinePoint[] };
  analysis: PerformanceAnalysis;
  recorded: { latency: LatencyPercentiles[]; costByProvider: CostSummaryRow[]; daily: DailyUsage[] };
  optimizer: { decisions: OptimizerDecisionView[]; byOutcome: Record<string, number> };
  /** Null when the server runs no alert engine. */
  alerts: { evaluatedAt: number | null; active: AlertView[]; history: AlertTransition[] } | null;
}

export interface ReportInput {
  now: number;
  rangeMs: number;
  snapshot: MetricsSnapshot;
  targets: SlaTargets;
  budget?: Record<string, number>;
  recorded: PerformanceReport['recorded'];
  learning: LearningRecord[];
  alerts?: AlertList;
}

const objectOf = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const numberOf = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const stringOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** One optimizer row of `learning_data` (see operations/optimizer/decision-log.ts) for display. */
export function decisionView(record: LearningRecord): OptimizerDecisionView {
  const before = objectOf(record.before);
  const after = objectOf(record.after);
  return {
    at: record.createdAt,
    subject: record.subject,
    outcome: record.outcome,
    confidence: record.confidenceScore,
    type: stringOf(after.type),
    description: stringOf(after.description),
    reason: stringOf(after.reason),
    metric: stringOf(before.metric),
    before: numberOf(before.value),
    after: numberOf(objectOf(after.metric).value),
  };
}

export function buildPerformanceReport(input: ReportInput): PerformanceReport {
  const from = input.now - input.rangeMs;
  const decisions = input.learning.filter((record) => record.createdAt >= from).map(decisionView);
  const byOutcome: Record<string, number> = {};
  for (const decision of decisions) byOutcome[decision.outcome ?? 'pending'] = (byOutcome[decision.outcome ?? 'pending'] ?? 0) + 1;
  const analysis = analyzePerformance({
    snapshot: input.snapshot,
    targets: input.targets,
    requestedMs: input.rangeMs,
    recorded: input.recorded.latency,
    ...(input.budget ? { budget: input.budget } : {}),
    optimizer: input.learning.filter((record) => record.createdAt >= from),
  });
  return {
    generatedAt: input.now,
    range: { from, to: input.now },
    window: { spanMs: input.snapshot.spanMs, bucketMs: input.snapshot.bucketMs, processes: input.snapshot.processes, timeline: input.snapshot.timeline ?? [] },
    analysis,
    recorded: input.recorded,
    optimizer: { decisions, byOutcome },
    alerts: input.alerts
      ? {
          evaluatedAt: input.alerts.evaluatedAt,
          active: input.alerts.alerts.filter((alert) => alert.state === 'firing' || alert.state === 'pending'),
          history: input.alerts.history.filter((transition) => transition.at >= from).slice(0, 100),
        }
      : null,
  };
}
