import type { ModelSelectionConfig } from '../budget/cost-config.js';
import type { Random } from '../../core/seeded-random.js';
import { sampleBeta } from './random.js';

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
 * The seed's `model_selection`: use `cost_optimized` while its measured quality for this
 * research type stays at or above `quality_threshold` (judged with at least `minSamples` scores).
 * With fewer scores, `explore` tries it as often as a draw from its quality posterior clears the
 * threshold (Thompson sampling), so the cheap model gathers evidence without a blind switch.
 */
export function chooseModel(
  config: ModelSelectionConfig,
  evidence: ModelQualityEvidence | undefined,
  options: { minSamples: number; explore: boolean; random: Random },
): ModelChoice {
  const cheap = config.cost_optimized;
  if (cheap === undefined || cheap === config.default) return { model: config.default, reason: 'no_cost_optimized_model' };
  const samples = evidence?.samples ?? 0;
  const measured = evidence === undefined ? {} : { quality: evidence.mean, samples };
  if (evidence && samples >= options.minSamples) {
    return evidence.mean >= config.quality_threshold
      ? { model: cheap, reason: 'cost_optimized_quality_ok', ...measured }
      : { model: config.default, reason: 'cost_optimized_quality_low', ...measured };
  }
  if (options.explore) {
    const draw = evidence ? sampleBeta(evidence.alpha, evidence.beta, options.random) : options.random();
    if (draw >= config.quality_threshold) return { model: cheap, reason: 'exploring_cost_optimized', ...measured };
  }
  return { model: config.default, reason: 'not_enough_samples', ...measured };
}
