import type { LearningInput } from '../../infrastructure/storage/repositories/learning.js';
import type { OptimizationDecision } from './optimization.js';
import { metricLabel } from './optimizer-window.js';

/** `learning_data.learning_type` of the optimizer's rows (what `performance report` filters on). */
export const OPTIMIZER_LEARNING_TYPE = 'performance_optimization';

/** The slice of `storage.learning` the optimizer writes to. */
export interface OptimizerLearningSink {
  insert(input: LearningInput): Promise<unknown>;
}

export interface DecisionLogOptions {
  /** Decisions kept in memory for `history()` (default 500). */
  capacity?: number;
  /**
   * The same proposal skipped for the same reason is stored once per this span (default 1 h):
   * a suggestion repeated every interval would otherwise fill the table. History keeps them all.
   */
  repeatMs?: number;
}

export interface DecisionLog {
  /** Keeps the decision and stores it; storage errors go to `onError`, never to the caller. */
  record(decision: OptimizationDecision): Promise<void>;
  /** Newest first. */
  recent(limit?: number): OptimizationDecision[];
}

/** One `learning_data` row per decision: before/after hold the target metric and the change. */
export function toLearningInput(decision: OptimizationDecision): LearningInput {
  const optimization = decision.optimization;
  return {
    learningType: OPTIMIZER_LEARNING_TYPE,
    subject: optimization.key,
    before: { metric: metricLabel(optimization.target), ...(decision.before ?? { value: null, samples: 0 }) },
    after: {
      decision: decision.outcome,
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      ...(decision.error === undefined ? {} : { error: decision.error }),
      type: optimization.type,
      description: optimization.description,
      expectedEffect: optimization.expectedEffect,
      target: optimization.target,
      safe: optimization.safe,
      change: optimization.change,
      evidence: optimization.evidence,
      ...(decision.after === undefined ? {} : { metric: decision.after }),
    },
    confidenceScore: Math.min(1, Math.max(0, optimization.confidence)),
    outcome: decision.outcome,
    createdAt: decision.at,
  };
}

export function createDecisionLog(
  options: DecisionLogOptions,
  deps: { sink?: OptimizerLearningSink | undefined; onError: (error: unknown) => void },
): DecisionLog {
  const capacity = options.capacity ?? 500;
  const repeatMs = options.repeatMs ?? 3_600_000;
  const entries: OptimizationDecision[] = [];
  /** key → when a skip (and its proposal) for that key and reason was last stored. */
  const lastSkipStored = new Map<string, number>();
  const pendingProposals = new Map<string, OptimizationDecision>();

  const store = async (decision: OptimizationDecision) => {
    if (!deps.sink) return;
    try {
      await deps.sink.insert(toLearningInput(decision));
    } catch (error) {
      deps.onError(error);
    }
  };

  return {
    async record(decision) {
      entries.push(decision);
      if (entries.length > capacity) entries.shift();
      const key = decision.optimization.key;
      // A proposal is stored together with its disposition, so a repeated skip can drop both.
      if (decision.outcome === 'proposed') {
        pendingProposals.set(key, decision);
        return;
      }
      const proposal = pendingProposals.get(key);
      pendingProposals.delete(key);
      if (decision.outcome === 'skipped') {
        const skipKey = `${key}\u0000${decision.reason ?? ''}`;
        const last = lastSkipStored.get(skipKey);
        if (last !== undefined && decision.at - last < repeatMs) return;
        lastSkipStored.set(skipKey, decision.at);
      }
      if (proposal) await store(proposal);
      await store(decision);
    },
    recent(limit = 50) {
      return entries.slice(-limit).reverse();
    },
  };
}
