import type { Random } from '../../core/seeded-random.js';
import { sampleBeta } from './random.js';

/** One provider's model choice (`cost_management.providers.<name>.model_selection`). */
export interface ModelSelectionOptions {
  /** The model to call normally; undefined: the provider's configured model. */
  defaultModel?: string | undefined;
  /** The cheaper model to switch to while its measured quality holds. */
  costOptimizedModel?: string | undefined;
  /** Least measured quality (0–1) of the cheaper model for it to be used. */
  qualityThreshold: number;
}

export interface ModelQualityEvidence {
  mean: number;
  alpha: number;
  beta: number;
  samples: number;
}

export type ModelChoiceReason =
  | 'no_cost_optimized_model'
  | 'cost_optimized_quality_ok'
  | 'cost_optimized_quality_low'
  | 'exploring_cost_optimized'
  | 'not_enough_samples';

export interface ModelChoice {
  /** The model to call; undefined: the provider's configured default. */
  model: string | undefined;
  reason: ModelChoiceReason;
  /** Measured quality of the cost-optimised model for this research type, when known. */
  quality?: number;
  samples?: number;
}

/**
 * The seed's `model_selection`: use `costOptimizedModel` while its measured quality for this
 * research type stays at or above `qualityThreshold` (judged with at least `minSamples` scores).
 * With fewer scores, `explore` tries it as often as a draw from its quality posterior clears the
 * threshold (Thompson sampling), so the cheap model gathers evidence without a blind switch.
 */
export function chooseModel(
  selection: ModelSelectionOptions,
  evidence: ModelQualityEvidence | undefined,
  options: { minSamples: number; explore: boolean; random: Random },
): ModelChoice {
  const cheap = selection.costOptimizedModel;
  const fallback = selection.defaultModel;
  if (cheap === undefined || cheap === fallback) return { model: fallback, reason: 'no_cost_optimized_model' };
  const samples = evidence?.samples ?? 0;
  const measured = evidence === undefined ? {} : { quality: evidence.mean, samples };
  if (evidence && samples >= options.minSamples) {
    return evidence.mean >= selection.qualityThreshold
      ? { model: cheap, reason: 'cost_optimized_quality_ok', ...measured }
      : { model: fallback, reason: 'cost_optimized_quality_low', ...measured };
  }
  if (options.explore) {
    const draw = evidence ? sampleBeta(evidence.alpha, evidence.beta, options.random) : options.random();
    if (draw >= selection.qualityThreshold) return { model: cheap, reason: 'exploring_cost_optimized', ...measured };
  }
  return { model: fallback, reason: 'not_enough_samples', ...measured };
}
