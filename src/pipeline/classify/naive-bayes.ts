/**
 * Binarised multinomial naive Bayes over query features, the trained half of the classifier.
 * Training runs offline (`test/fixtures/classification/train.ts`) on the TRAIN split only; the
 * resulting tables ship as `model.generated.ts`. Features outside the vocabulary are ignored.
 */
export interface NaiveBayesModel {
  labels: string[];
  /** log P(label). */
  logPrior: number[];
  /** feature → log P(feature | label), aligned with `labels`. */
  logLikelihood: Record<string, number[]>;
}

export interface NaiveBayesOptions {
  /** Laplace smoothing. */
  alpha?: number;
  /** Drop features seen in fewer training documents than this (keeps the model small). */
  minCount?: number;
}

/** Trains on documents given as feature lists (duplicates within a document count once). */
export function trainNaiveBayes(
  documents: readonly (readonly string[])[],
  documentLabels: readonly string[],
  labels: readonly string[],
  options: NaiveBayesOptions = {},
): NaiveBayesModel {
  const alpha = options.alpha ?? 0.5;
  const minCount = options.minCount ?? 2;
  const labelCount = labels.length;
  const documentFrequency = new Map<string, number>();
  const perLabel = new Map<string, number[]>();
  const labelDocuments = new Array<number>(labelCount).fill(0);
  documents.forEach((features, index) => {
    const labelIndex = labels.indexOf(documentLabels[index] ?? '');
    if (labelIndex < 0) throw new Error(`unknown label ${documentLabels[index]}`);
    labelDocuments[labelIndex] = (labelDocuments[labelIndex] ?? 0) + 1;
    for (const feature of new Set(features)) {
      documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
      const counts = perLabel.get(feature) ?? new Array<number>(labelCount).fill(0);
      counts[labelIndex] = (counts[labelIndex] ?? 0) + 1;
      perLabel.set(feature, counts);
    }
  });
  const vocabulary = [...documentFrequency].filter(([, count]) => count >= minCount).map(([feature]) => feature).sort();
  const totals = new Array<number>(labelCount).fill(0);
  for (const feature of vocabulary) {
    const counts = perLabel.get(feature) ?? [];
    for (let l = 0; l < labelCount; l++) totals[l] = (totals[l] ?? 0) + (counts[l] ?? 0);
  }
  const logLikelihood: Record<string, number[]> = {};
  for (const feature of vocabulary) {
    const counts = perLabel.get(feature) ?? [];
    logLikelihood[feature] = labels.map((_, l) =>
      round(Math.log(((counts[l] ?? 0) + alpha) / ((totals[l] ?? 0) + alpha * vocabulary.length))),
    );
  }
  const documentTotal = documents.length;
  const logPrior = labels.map((_, l) => round(Math.log(((labelDocuments[l] ?? 0) + 1) / (documentTotal + labelCount))));
  return { labels: [...labels], logPrior, logLikelihood };
}

/** The model with its feature table as a Map: object lookups by odd keys are ~10× slower. */
export interface CompiledNaiveBayes {
  logPrior: readonly number[];
  table: ReadonlyMap<string, readonly number[]>;
}

export function compileNaiveBayes(model: NaiveBayesModel): CompiledNaiveBayes {
  return { logPrior: model.logPrior, table: new Map(Object.entries(model.logLikelihood)) };
}

/** Normalised log posterior per label (log-softmax of the joint log-likelihoods). Features must be distinct. */
export function naiveBayesLogPosterior(model: CompiledNaiveBayes, features: readonly string[]): number[] {
  const joint = [...model.logPrior];
  for (const feature of features) {
    const row = model.table.get(feature);
    if (row === undefined) continue;
    for (let l = 0; l < joint.length; l++) joint[l] = (joint[l] ?? 0) + (row[l] ?? 0);
  }
  let max = -Infinity;
  for (const value of joint) if (value > max) max = value;
  let sum = 0;
  for (const value of joint) sum += Math.exp(value - max);
  const logSum = max + Math.log(sum);
  return joint.map((value) => value - logSum);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
