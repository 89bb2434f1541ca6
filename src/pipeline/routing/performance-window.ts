/**
 * Moving-window call statistics per series (a provider, or a provider × research type):
 * time buckets over `performance_window`, so old calls fall out as the clock moves, plus change
 * detection. A plain window averages a degradation in slowly (an hour of good calls outweighs a
 * minute of bad ones), so every call also tests the newest calls against the window: when the
 * availability or log-latency of the newest k calls is unlikely under the window's (likelihood
 * ratio above that of a `changeZ`-sigma deviation), the window restarts at that change point.
 */

export interface CallObservation {
  /** Epoch ms. */
  at: number;
  ok: boolean;
  latencyMs: number;
  costUsd: number;
}

export interface WindowStats {
  samples: number;
  successes: number;
  /** Mean latency of all calls in the window (failed calls included: a timeout is slow). */
  latencyMeanMs: number;
  latencySdMs: number;
  /** Mean cost of a successful call (failed calls are usually free and would flatter a failing provider). */
  costMeanUsd: number;
}

export interface PerformanceWindowOptions {
  /** Span of the window, ms (the router's `selection.windowMs`). */
  windowMs: number;
  /** Bucket width (default window / 120, at least 1 s). */
  bucketMs?: number;
  /** Newest calls kept for change detection (default 40). */
  recentSamples?: number;
  /** Detection threshold, as the sigmas of an equally unlikely normal deviation (default 5). */
  changeZ?: number;
  /** Fewest calls in the window before change detection runs (default 2 × recentSamples). */
  minSamplesForChange?: number;
}

export interface PerformanceWindow {
  /** Adds one call; `changed` when it revealed a change point (the series restarted there). */
  record(series: string, observation: CallObservation): { changed: boolean };
  stats(series: string): WindowStats;
  /** Series with calls in the window. */
  series(): string[];
}

interface Bucket {
  index: number;
  count: number;
  successes: number;
  latencySum: number;
  latencySquares: number;
  logLatencySum: number;
  logLatencySquares: number;
  costSum: number;
}

interface Series {
  buckets: Bucket[];
  /** Running sum of `buckets` (kept in step by add and prune, so stats are O(1)). */
  sum: Bucket;
  recent: CallObservation[];
  /** `log(max(1, latency))` of each call in `recent`, same positions (change detection reads them on every call). */
  recentLog: number[];
}

const emptyBucket = (index: number): Bucket => ({ index, count: 0, successes: 0, latencySum: 0, latencySquares: 0, logLatencySum: 0, logLatencySquares: 0, costSum: 0 });

function accumulate(target: Bucket, source: Bucket, sign: 1 | -1): void {
  target.count += sign * source.count;
  target.successes += sign * source.successes;
  target.latencySum += sign * source.latencySum;
  target.latencySquares += sign * source.latencySquares;
  target.logLatencySum += sign * source.logLatencySum;
  target.logLatencySquares += sign * source.logLatencySquares;
  target.costSum += sign * source.costSum;
}

/** Adds one call to a bucket (what `accumulate` would with a one-call bucket, without building it). */
function addCall(target: Bucket, observation: CallObservation, latency: number, logLatency: number): void {
  target.count += 1;
  target.successes += observation.ok ? 1 : 0;
  target.latencySum += latency;
  target.latencySquares += latency * latency;
  target.logLatencySum += logLatency;
  target.logLatencySquares += logLatency * logLatency;
  target.costSum += observation.costUsd;
}

const UNCHANGED: { changed: boolean } = Object.freeze({ changed: false });
const CHANGED: { changed: boolean } = Object.freeze({ changed: true });

/** Floors: a window that never failed, or always answers in the same time, is not certainty. */
const MIN_RATE = 0.01;
const MIN_LOG_LATENCY_SD = 0.1;
const MIN_CHANGE_RUN = 5;

/** KL divergence of Bernoulli(f) from Bernoulli(p). */
function bernoulliKl(f: number, p: number): number {
  return (f > 0 ? f * Math.log(f / p) : 0) + (f < 1 ? (1 - f) * Math.log((1 - f) / (1 - p)) : 0);
}

const EMPTY: WindowStats = { samples: 0, successes: 0, latencyMeanMs: 0, latencySdMs: 0, costMeanUsd: 0 };

export function createPerformanceWindow(options: PerformanceWindowOptions, deps: { now?: () => number } = {}): PerformanceWindow {
  const now = deps.now ?? Date.now;
  const bucketMs = options.bucketMs ?? Math.max(1_000, Math.floor(options.windowMs / 120));
  const bucketCount = Math.max(1, Math.ceil(options.windowMs / bucketMs));
  const recentMax = options.recentSamples ?? 40;
  const changeZ = options.changeZ ?? 5;
  const minForChange = options.minSamplesForChange ?? 2 * recentMax;
  const all = new Map<string, Series>();

  const prune = (series: Series, at: number): Bucket[] => {
    const oldest = Math.floor(at / bucketMs) - bucketCount + 1;
    while (series.buckets.length > 0 && series.buckets[0]!.index < oldest) accumulate(series.sum, series.buckets.shift()!, -1);
    if (series.buckets.length === 0) series.sum = emptyBucket(0); // no drift left behind
    return series.buckets;
  };

  const add = (series: Series, observation: CallObservation, logLatency: number) => {
    const index = Math.floor(observation.at / bucketMs);
    let bucket = series.buckets[series.buckets.length - 1];
    if (!bucket || bucket.index !== index) {
      bucket = emptyBucket(index);
      series.buckets.push(bucket);
    }
    const latency = Math.max(1, observation.latencyMs);
    addCall(bucket, observation, latency, logLatency);
    addCall(series.sum, observation, latency, logLatency);
  };

  /**
   * The newest k calls (k ≥ MIN_CHANGE_RUN) whose log-likelihood ratio against the window is
   * largest, when it passes changeZ² / 2: Bernoulli KL for availability (exact for small runs of
   * failures, where a normal approximation cries wolf), a z-test for log-latency.
   */
  const changePoint = (series: Series): number | undefined => {
    const sum = series.sum;
    if (sum.count < minForChange || series.recent.length < MIN_CHANGE_RUN) return undefined;
    const success = Math.min(1 - MIN_RATE, Math.max(MIN_RATE, sum.successes / sum.count));
    const logMean = sum.logLatencySum / sum.count;
    const logSd = Math.max(Math.sqrt(Math.max(0, sum.logLatencySquares / sum.count - logMean * logMean)), MIN_LOG_LATENCY_SD);
    const threshold = (changeZ * changeZ) / 2;
    let successes = 0;
    let latencyCusum = 0;
    let best: { k: number; ratio: number } | undefined;
    const { recent, recentLog } = series;
    for (let k = 1; k <= recent.length; k++) {
      if (recent[recent.length - k]!.ok) successes += 1;
      latencyCusum += recentLog[recentLog.length - k]! - logMean;
      if (k < MIN_CHANGE_RUN) continue;
      const z = latencyCusum / (logSd * Math.sqrt(k));
      const ratio = Math.max(k * bernoulliKl(successes / k, success), (z * z) / 2);
      if (ratio >= threshold && (!best || ratio > best.ratio)) best = { k, ratio };
    }
    return best?.k;
  };

  return {
    record(name, observation) {
      let series = all.get(name);
      if (!series) all.set(name, (series = { buckets: [], sum: emptyBucket(0), recent: [], recentLog: [] }));
      prune(series, observation.at);
      const logLatency = Math.log(Math.max(1, observation.latencyMs));
      add(series, observation, logLatency);
      series.recent.push(observation);
      series.recentLog.push(logLatency);
      if (series.recent.length > recentMax) {
        series.recent.shift();
        series.recentLog.shift();
      }
      const k = changePoint(series);
      if (k === undefined) return UNCHANGED;
      // Restart the window at the change point: only the calls after it describe the provider now.
      const kept = series.recent.slice(-k);
      const keptLog = series.recentLog.slice(-k);
      series.buckets = [];
      series.sum = emptyBucket(0);
      series.recent = [];
      series.recentLog = [];
      kept.forEach((call, index) => {
        add(series, call, keptLog[index]!);
        series.recent.push(call);
        series.recentLog.push(keptLog[index]!);
      });
      return CHANGED;
    },

    stats(name) {
      const series = all.get(name);
      if (!series) return EMPTY;
      prune(series, now());
      const sum = series.sum;
      if (sum.count <= 0) return EMPTY;
      const mean = sum.latencySum / sum.count;
      return {
        samples: sum.count,
        successes: sum.successes,
        latencyMeanMs: mean,
        latencySdMs: Math.sqrt(Math.max(0, sum.latencySquares / sum.count - mean * mean)),
        costMeanUsd: sum.successes > 0 ? sum.costSum / sum.successes : 0,
      };
    },

    series() {
      const at = now();
      return [...all.entries()].filter(([, series]) => prune(series, at).length > 0).map(([name]) => name);
    },
  };
}
