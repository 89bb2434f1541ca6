/**
 * What routing has learned about answer quality, per provider × research type (and per model
 * within it). Scores (evaluator 0–1; user feedback, rating 1–5 → 0–1, weighted more) are kept
 * as exponentially weighted sums: before each update the old evidence is discounted, so the
 * effective memory is 1 / (1 − discount) observations and a provider whose answers get worse is
 * noticed. The posterior over the mean quality is a Beta matched to the weighted mean and the
 * standard error of that mean (a weak prior of `priorStrength` pseudo-scores at `priorMean`).
 * Matching the spread of the scores, not treating a 0.9 as nine-tenths of a success, keeps the
 * posterior as tight as the evidence really is.
 */

import type { QualitySource } from '../../core/research.js';

export interface QualityObservation {
  provider: string;
  researchType: string;
  model?: string | undefined;
  /** 0–1. */
  score: number;
  source: QualitySource;
}

export interface QualityEstimate {
  /** Posterior mean, 0–1. */
  mean: number;
  alpha: number;
  beta: number;
  /** Observations ever counted (not discounted): what `min_samples` compares with. */
  samples: number;
}

export interface QualityEstimatesOptions {
  /** Multiplier on α and β before each update (default 0.98: memory ≈ 50 observations). */
  discount?: number;
  /** Prior mean quality (default 0.7) and its weight in pseudo-observations (default 2). */
  priorMean?: number;
  priorStrength?: number;
  /** Weight of one user rating relative to one evaluator score (default 3). */
  feedbackWeight?: number;
}

export interface QualityEstimates {
  observe(observation: QualityObservation): void;
  /** Per provider × type (model absent) or per provider × type × model; the prior when nothing was seen. */
  estimate(provider: string, researchType: string, model?: string): QualityEstimate;
  /** Keys with observations, for `learning status`. */
  entries(): { provider: string; researchType: string; model?: string; estimate: QualityEstimate }[];
}

/** User rating 1–5 → quality 0–1. */
export function ratingToScore(rating: number): number {
  return Math.min(1, Math.max(0, (rating - 1) / 4));
}

const SEPARATOR = '\u0000';

interface Sums {
  weight: number;
  sum: number;
  squares: number;
  samples: number;
}

/** Variance of one score assumed by the prior (sd 0.2). */
const PRIOR_VARIANCE = 0.04;
/** Least spread of scores: identical scores are not proof of an exact mean. */
const MIN_SCORE_VARIANCE = 0.0004;

export function createQualityEstimates(options: QualityEstimatesOptions = {}): QualityEstimates {
  const discount = options.discount ?? 0.98;
  const priorMean = options.priorMean ?? 0.7;
  const priorStrength = options.priorStrength ?? 2;
  const feedbackWeight = options.feedbackWeight ?? 3;
  const table = new Map<string, Sums>();

  const toEstimate = (sums: Sums | undefined): QualityEstimate => {
    const weight = priorStrength + (sums?.weight ?? 0);
    const mean = (priorStrength * priorMean + (sums?.sum ?? 0)) / weight;
    const second = (priorStrength * (PRIOR_VARIANCE + priorMean * priorMean) + (sums?.squares ?? 0)) / weight;
    const variance = Math.max(MIN_SCORE_VARIANCE, second - mean * mean);
    // Beta with this mean and the variance of the mean (variance / weight): ν = μ(1 − μ) / var − 1.
    const spread = Math.min(1, Math.max(1e-6, mean)) * (1 - Math.min(1 - 1e-6, Math.max(0, mean)));
    const concentration = Math.max(2, spread / (variance / weight) - 1);
    return { mean, alpha: mean * concentration, beta: (1 - mean) * concentration, samples: sums?.samples ?? 0 };
  };

  const update = (key: string, score: number, weight: number) => {
    const sums = table.get(key) ?? { weight: 0, sum: 0, squares: 0, samples: 0 };
    sums.weight = sums.weight * discount + weight;
    sums.sum = sums.sum * discount + score * weight;
    sums.squares = sums.squares * discount + score * score * weight;
    sums.samples += 1;
    table.set(key, sums);
  };

  return {
    observe(observation) {
      const score = Math.min(1, Math.max(0, observation.score));
      const weight = observation.source === 'feedback' ? feedbackWeight : 1;
      update(observation.provider + SEPARATOR + observation.researchType, score, weight);
      if (observation.model) update(observation.provider + SEPARATOR + observation.researchType + SEPARATOR + observation.model, score, weight);
    },
    estimate(provider, researchType, model) {
      return toEstimate(table.get(provider + SEPARATOR + researchType + (model ? SEPARATOR + model : '')));
    },
    entries() {
      return [...table.entries()].map(([key, sums]) => {
        const [provider = '', researchType = '', model] = key.split(SEPARATOR);
        const estimate = toEstimate(sums);
        return model === undefined ? { provider, researchType, estimate } : { provider, researchType, model, estimate };
      });
    },
  };
}
