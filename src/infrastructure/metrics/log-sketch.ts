/**
 * A mergeable quantile sketch over fixed log-scale buckets (the DDSketch idea).
 *
 * Bucket `i` holds values in (γ^(i-1), γ^i] with γ = (1 + α) / (1 − α); a quantile is answered
 * with the bucket's representative 2γ^i / (γ + 1), which is within a relative error α of every
 * value in the bucket. So `quantile(q)` returns a value within ±α (1 %) of the true nearest-rank
 * quantile of the observed samples, whatever the distribution, and two sketches merge exactly by
 * adding bucket counts (rolling windows sum their time buckets; workers sum their windows).
 * Values at or below `MIN_VALUE` (1 µs when the unit is ms) count in a zero bucket reported as 0.
 *
 * Cost: one `Math.log` and one Map update per observation; memory is one entry per occupied
 * bucket (≈ 115 buckets per decade of spread, so a 0.1 ms … 60 s latency spread is < 700).
 */

export const RELATIVE_ERROR = 0.01;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const INV_LOG_GAMMA = 1 / Math.log(GAMMA);
const MIN_VALUE = 1e-3;

export interface LogSketch {
  /** Occupied buckets: index → count. */
  bins: Map<number, number>;
  zeroCount: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** JSON/IPC-safe form of a sketch. */
export interface LogSketchState {
  bins: [number, number][];
  zeroCount: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function createSketch(): LogSketch {
  return { bins: new Map(), zeroCount: 0, count: 0, sum: 0, min: Infinity, max: -Infinity };
}

export function sketchObserve(sketch: LogSketch, value: number): void {
  if (!(value >= 0)) return; // negative or NaN: a caller bug, not a latency
  sketch.count += 1;
  sketch.sum += value;
  if (value < sketch.min) sketch.min = value;
  if (value > sketch.max) sketch.max = value;
  if (value <= MIN_VALUE) {
    sketch.zeroCount += 1;
    return;
  }
  const index = Math.ceil(Math.log(value) * INV_LOG_GAMMA);
  sketch.bins.set(index, (sketch.bins.get(index) ?? 0) + 1);
}

export function sketchMerge(into: LogSketch, from: LogSketch | LogSketchState): void {
  if (from.count === 0) return; // an empty state's ±Infinity bounds do not survive JSON
  into.count += from.count;
  into.sum += from.sum;
  into.zeroCount += from.zeroCount;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  for (const [index, count] of from.bins) into.bins.set(index, (into.bins.get(index) ?? 0) + count);
}

/**
 * Nearest-rank quantile (`q` in [0, 1]): the value below which `ceil(q · count)` samples lie,
 * within ±α relative error; clamped to the observed min and max. Undefined when empty.
 */
export function sketchQuantile(sketch: LogSketch, q: number): number | undefined {
  if (sketch.count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * sketch.count));
  if (rank >= sketch.count) return sketch.max;
  if (rank <= sketch.zeroCount) return Math.max(0, sketch.min);
  let seen = sketch.zeroCount;
  const indexes = [...sketch.bins.keys()].sort((a, b) => a - b);
  for (const index of indexes) {
    seen += sketch.bins.get(index)!;
    if (seen >= rank) {
      const representative = (2 * GAMMA ** index) / (GAMMA + 1);
      return Math.min(sketch.max, Math.max(sketch.min, representative));
    }
  }
  return sketch.max;
}

export function sketchToState(sketch: LogSketch): LogSketchState {
  return { bins: [...sketch.bins], zeroCount: sketch.zeroCount, count: sketch.count, sum: sketch.sum, min: sketch.min, max: sketch.max };
}
