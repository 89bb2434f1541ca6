import type { LatencyStats } from './optimizer-window.js';

/**
 * P(X ≥ k) for X ~ Binomial(n, p): how likely `k` or more "bad" calls out of `n` are when each
 * is bad with probability `p` (the old rate). Summed in log space, so thousands of calls neither
 * underflow nor cost more than one pass.
 */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logRatio = Math.log(p) - Math.log1p(-p);
  const step = (logPmf: number, i: number) => logPmf + Math.log((n - i) / (i + 1)) + logRatio;
  let logPmf = n * Math.log1p(-p);
  if (k <= n * p) {
    // Below the mode: 1 − the (short) lower sum is both faster and more precise.
    let lower = 0;
    for (let i = 0; i < k; i++) {
      lower += Math.exp(logPmf);
      logPmf = step(logPmf, i);
    }
    return Math.max(0, 1 - lower);
  }
  for (let i = 0; i < k; i++) logPmf = step(logPmf, i);
  let sum = 0;
  for (let i = k; i <= n; i++) {
    const term = Math.exp(logPmf);
    sum += term;
    // Past the mode the terms only shrink; stop once they no longer change the sum.
    if (term <= sum * 1e-15) break;
    logPmf = step(logPmf, i);
  }
  return Math.min(1, sum);
}

/**
 * A lower bound on the calls slower than `thresholdMs`, from the window's summary: if the median
 * is above it, at least half were; if only the p95 is, at least 5 %; and so on (with a quantile
 * ladder, from the lowest quantile above the threshold). With the mean
 * and the maximum there is a second bound (mean ≤ threshold·(1 − f) + max·f, so f ≥ (mean −
 * threshold) / (max − threshold)), which matters when a window mixes a fast part and a slow one.
 */
export function callsAbove(latency: LatencyStats, thresholdMs: number): number {
  const n = latency.count;
  if (n === 0) return 0;
  let fromPercentiles = 0;
  if (latency.p50 !== null && latency.p50 > thresholdMs) fromPercentiles = Math.floor(n * 0.5);
  else if (latency.p95 !== null && latency.p95 > thresholdMs) fromPercentiles = Math.max(1, Math.floor(n * 0.05));
  else if (latency.p99 !== null && latency.p99 > thresholdMs) fromPercentiles = Math.max(1, Math.floor(n * 0.01));
  else if (latency.max !== null && latency.max > thresholdMs) fromPercentiles = 1;
  // The lowest known quantile above the threshold: at least the calls beyond it were slower.
  const ladder = latency.quantiles?.find((entry) => entry.value > thresholdMs);
  if (ladder) fromPercentiles = Math.max(fromPercentiles, Math.floor(n * (1 - ladder.q)));
  const avg = latency.avg ?? null;
  const fromMean = avg !== null && latency.max !== null && latency.max > thresholdMs && avg > thresholdMs ? Math.floor((n * (avg - thresholdMs)) / (latency.max - thresholdMs)) : 0;
  return Math.max(fromPercentiles, fromMean);
}

/** Evidence weight 0–1 that saturates with the sample count: `samples / (samples + scale)`. */
export function evidence(samples: number, scale: number): number {
  return samples <= 0 ? 0 : samples / (samples + Math.max(1, scale));
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
