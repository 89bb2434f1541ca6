/**
 * The seed's weighted provider score. Every term is normalised to 0–1 across the candidates:
 * quality and availability are already fractions; latency and cost are inverted as ratios to
 * the best candidate (`best / value`), so the fastest / cheapest scores 1 and one twice as slow
 * or twice as dear scores 0.5, whatever the units.
 */

export interface Criteria {
  latency: number;
  quality: number;
  cost: number;
  availability: number;
}

export interface CandidateMetrics {
  provider: string;
  latencyMs: number;
  /** 0–1. */
  quality: number;
  /** USD per request. */
  costUsd: number;
  /** Success rate, 0–1. */
  availability: number;
}

export interface ScoredCandidate extends CandidateMetrics {
  score: number;
  terms: Criteria;
}

/** A millionth of a dollar: keeps `best / value` finite when a provider is free. */
const COST_EPSILON_USD = 1e-6;
const LATENCY_FLOOR_MS = 1;

/** Inverted ratio normalisation: 1 for the lowest value, `lowest / value` for the rest. */
export function invertedRatios(values: readonly number[], epsilon: number): number[] {
  let lowest = Number.POSITIVE_INFINITY;
  for (const value of values) lowest = Math.min(lowest, Math.max(0, value));
  return values.map((value) => (lowest + epsilon) / (Math.max(0, value) + epsilon));
}

const clamp01 = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** score = latency·w₁ + quality·w₂ + cost·w₃ + availability·w₄ over normalised terms. */
export function scoreCandidates(candidates: readonly CandidateMetrics[], weights: Criteria): ScoredCandidate[] {
  if (candidates.length === 0) return [];
  const latencyTerms = invertedRatios(candidates.map((candidate) => Math.max(LATENCY_FLOOR_MS, candidate.latencyMs)), 0);
  const costTerms = invertedRatios(candidates.map((candidate) => candidate.costUsd), COST_EPSILON_USD);
  return candidates.map((candidate, index) => {
    const terms: Criteria = {
      latency: latencyTerms[index]!,
      quality: clamp01(candidate.quality),
      cost: costTerms[index]!,
      availability: clamp01(candidate.availability),
    };
    const score = terms.latency * weights.latency + terms.quality * weights.quality + terms.cost * weights.cost + terms.availability * weights.availability;
    return { ...candidate, score, terms };
  });
}

/** The seed's `cost_quality_balanced`: quality·quality_weight + cost·cost_weight (cost inverted). */
export function costQualityScores(
  candidates: readonly CandidateMetrics[],
  weights: { costWeight: number; qualityWeight: number },
): ScoredCandidate[] {
  return scoreCandidates(candidates, { latency: 0, availability: 0, quality: weights.qualityWeight, cost: weights.costWeight });
}

/** Indices sorted by score, best first; ties keep the input (configured) order. */
export function rankByScore<T extends { score: number }>(scored: readonly T[]): T[] {
  return scored
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => b.entry.score - a.entry.score || a.index - b.index)
    .map(({ entry }) => entry);
}
