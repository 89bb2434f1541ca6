/**
 * Confidence calibration: temperature-scaled softmax, temperature fitting by negative
 * log-likelihood, and expected calibration error (ECE) for reporting.
 */

/** Softmax of `logits / temperature`. */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  const exps = logits.map((value) => Math.exp((value - max) / temperature));
  let sum = 0;
  for (const value of exps) sum += value;
  return exps.map((value) => value / sum);
}

/** One scored example: the logits per label and the index of the true label. */
export interface ScoredExample {
  logits: readonly number[];
  label: number;
}

/** Mean negative log-likelihood of the true labels at a temperature. */
export function negativeLogLikelihood(examples: readonly ScoredExample[], temperature: number): number {
  let total = 0;
  for (const example of examples) {
    const p = softmax(example.logits, temperature)[example.label] ?? 0;
    total -= Math.log(Math.max(p, 1e-12));
  }
  return total / Math.max(examples.length, 1);
}

/** Temperature (0.05–20, log-spaced grid then refined) minimising NLL on the given examples. */
export function fitTemperature(examples: readonly ScoredExample[]): number {
  let best = 1;
  let bestLoss = Infinity;
  for (let exponent = -3; exponent <= 3; exponent += 0.05) {
    const temperature = Math.exp(exponent);
    const loss = negativeLogLikelihood(examples, temperature);
    if (loss < bestLoss) {
      bestLoss = loss;
      best = temperature;
    }
  }
  return Math.round(best * 1000) / 1000;
}

export interface CalibrationReport {
  /** Expected calibration error: Σ (bin size / n) · |accuracy − mean confidence|. */
  ece: number;
  /** Mean reported confidence. */
  meanConfidence: number;
  accuracy: number;
  bins: { from: number; to: number; count: number; accuracy: number; confidence: number }[];
}

/** ECE over equal-width confidence bins (default 10). */
export function calibrationReport(
  predictions: readonly { confidence: number; correct: boolean }[],
  binCount = 10,
): CalibrationReport {
  const bins = Array.from({ length: binCount }, (_, i) => ({
    from: i / binCount,
    to: (i + 1) / binCount,
    count: 0,
    correct: 0,
    confidenceSum: 0,
  }));
  let correct = 0;
  let confidenceSum = 0;
  for (const prediction of predictions) {
    const index = Math.min(binCount - 1, Math.floor(prediction.confidence * binCount));
    const bin = bins[index];
    if (bin === undefined) continue;
    bin.count++;
    bin.confidenceSum += prediction.confidence;
    if (prediction.correct) bin.correct++;
    if (prediction.correct) correct++;
    confidenceSum += prediction.confidence;
  }
  const n = Math.max(predictions.length, 1);
  let ece = 0;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    ece += (bin.count / n) * Math.abs(bin.correct / bin.count - bin.confidenceSum / bin.count);
  }
  return {
    ece,
    meanConfidence: confidenceSum / n,
    accuracy: correct / n,
    bins: bins
      .filter((bin) => bin.count > 0)
      .map((bin) => ({
        from: bin.from,
        to: bin.to,
        count: bin.count,
        accuracy: bin.correct / bin.count,
        confidence: bin.confidenceSum / bin.count,
      })),
  };
}
