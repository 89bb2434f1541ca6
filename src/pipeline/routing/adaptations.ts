import type { LearningInput, LearningRecord } from '../../infrastructure/storage/repositories/learning.js';

/** One thing routing changed its mind about, as stored in `learning_data`. */
export interface Adaptation {
  /** `routing_rank`, `model_selection`, `performance_change`, `cost_optimization`. */
  learningType: string;
  /** What changed, e.g. a research type or `provider:researchType`. */
  subject: string;
  before: unknown;
  after: unknown;
  /** 0–1. */
  confidence: number;
  /** Epoch ms. */
  at: number;
}

/** The slice of the learning repository routing needs. */
export interface LearningSink {
  insert(input: LearningInput): Promise<LearningRecord>;
  listRecent?(options?: { learningType?: string; minConfidence?: number; limit?: number }): Promise<LearningRecord[]>;
}

export interface AdaptationLog {
  add(adaptation: Adaptation): void;
  /** Newest first. */
  recent(limit?: number): Adaptation[];
}

/**
 * Keeps the newest adaptations in memory and persists each: through `record` when given (a
 * buffering writer: `serve` batches them, as its request records), else one insert each through
 * the learning repository.
 */
export function createAdaptationLog(
  options: { capacity?: number } = {},
  deps: {
    learning?: LearningSink | undefined;
    record?: ((input: LearningInput) => void) | undefined;
    onError?: ((error: unknown) => void) | undefined;
  } = {},
): AdaptationLog {
  const capacity = options.capacity ?? 100;
  const entries: Adaptation[] = [];
  return {
    add(adaptation) {
      entries.push(adaptation);
      if (entries.length > capacity) entries.shift();
      if (deps.record === undefined && deps.learning === undefined) return;
      const input: LearningInput = {
        learningType: adaptation.learningType,
        subject: adaptation.subject,
        before: adaptation.before,
        after: adaptation.after,
        confidenceScore: Math.min(1, Math.max(0, adaptation.confidence)),
        outcome: 'applied',
        createdAt: adaptation.at,
      };
      if (deps.record) deps.record(input);
      else deps.learning?.insert(input).catch((error: unknown) => deps.onError?.(error));
    },
    recent(limit = 20) {
      return entries.slice(-limit).reverse();
    },
  };
}
