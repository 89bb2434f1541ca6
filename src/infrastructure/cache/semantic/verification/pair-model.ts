/**
 * The learned pair model (issue 19): logistic regression over `pairFeatures`, trained on the
 * train split of test/fixtures/semantic/pairs-*.jsonl and its cut-offs chosen on the dev split by
 * test/fixtures/semantic/train-pair-model.ts, shipped as a table (`pair-model.generated.ts`).
 */

import { PAIR_FEATURE_NAMES, pairFeatures } from './pair-features.js';
import type { QuestionFeatures } from './question-features.js';

export interface PairModel {
  features: readonly string[];
  /** Standardisation: (x − mean) / scale, then the weights. */
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** Probability below which a candidate the rules accepted is refused (the gate). */
  gate: number;
  /** How it was trained and chosen, for the record. */
  note: string;
}

export function pairProbability(model: PairModel, features: readonly number[]): number {
  let z = model.bias;
  for (let index = 0; index < features.length; index++) z += model.weights[index]! * ((features[index]! - model.mean[index]!) / model.scale[index]!);
  return 1 / (1 + Math.exp(-z));
}

/** The probability that `candidate` asks what `query` asks. */
export function scorePair(model: PairModel, query: QuestionFeatures, candidate: QuestionFeatures, similarity: number): number {
  if (model.features.length !== PAIR_FEATURE_NAMES.length) throw new Error('pair model: feature list does not match pairFeatures');
  return pairProbability(model, pairFeatures(query, candidate, similarity));
}
