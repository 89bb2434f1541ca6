import type { Classification } from '../../core/research.js';
import type { NaiveBayesModel } from './naive-bayes.js';

export type DimensionName = keyof Classification;

/** The trained half of one dimension: naive Bayes tables, its weight against the rules, calibration. */
export interface DimensionModel {
  nb: NaiveBayesModel;
  /** Multiplier on the naive Bayes log posterior added to the rule scores (0 = rules only). */
  nbWeight: number;
  /** Softmax temperature fitted so confidence tracks accuracy. */
  temperature: number;
}

export type ClassifierModel = Record<DimensionName, DimensionModel>;
