import type { MetricReading, TargetMetric } from './optimizer-window.js';
import { isLatencyMetric } from './optimizer-window.js';

/** How far a metric may move before it counts as a real change (noise band). */
export interface Tolerance {
  /** Latencies: relative band (default 0.1 = ±10 %) … */
  latencyRelative?: number;
  /** … and at least this many ms (default 5). */
  latencyAbsoluteMs?: number;
  /** Ratios (hit ratio, error rate): absolute band (default 0.02). */
  ratioAbsolute?: number;
}

export type Movement = 'improved' | 'unchanged' | 'worse';

export type Verdict =
  | { decision: 'wait' }
  | { decision: 'keep'; reason: 'improved' | 'unchanged' | 'inconclusive'; movement?: Movement }
  | { decision: 'roll_back'; reason: 'worse' | 'unchanged' | 'inconclusive'; movement?: Movement };

/** Which way `after` moved from `before`, beyond the tolerance band. */
export function movement(target: TargetMetric, before: number, after: number, tolerance: Tolerance = {}): Movement {
  const band = isLatencyMetric(target.name)
    ? Math.max((tolerance.latencyRelative ?? 0.1) * Math.abs(before), tolerance.latencyAbsoluteMs ?? 5)
    : (tolerance.ratioAbsolute ?? 0.02);
  const delta = after - before;
  // `hold` metrics are the kind where higher is better (hit ratios) or lower is (latency, errors).
  const higherIsBetter = target.direction === 'increase' || (target.direction === 'hold' && target.name.endsWith('hit_ratio'));
  const gain = higherIsBetter ? delta : -delta;
  if (gain > band) return 'improved';
  if (gain < -band) return 'worse';
  return 'unchanged';
}

export interface JudgeOptions {
  tolerance?: Tolerance;
  /** Fewest samples behind the after-reading to judge at all. */
  minSamples: number;
  /** Windows already watched without enough samples; at `maxWatchWindows` the verdict is forced. */
  windowsWatched: number;
  maxWatchWindows: number;
  /** Keep a change whose target did not move (default false: a change must earn its place). */
  keepUnchanged?: boolean;
}

/**
 * The verdict on an applied change from its target before and after. A change meant to move a
 * metric is kept only if it did; a `hold` change (a saving) is kept unless the metric got worse.
 * Without enough evidence the optimizer waits, up to `maxWatchWindows`; then an unproven
 * improvement is rolled back and an unproven saving kept.
 */
export function judgeChange(target: TargetMetric, before: MetricReading, after: MetricReading, options: JudgeOptions): Verdict {
  const enough = after.value !== null && after.samples >= options.minSamples && before.value !== null;
  if (!enough) {
    if (options.windowsWatched + 1 < options.maxWatchWindows) return { decision: 'wait' };
    return target.direction === 'hold' ? { decision: 'keep', reason: 'inconclusive' } : { decision: 'roll_back', reason: 'inconclusive' };
  }
  const moved = movement(target, before.value!, after.value!, options.tolerance);
  if (moved === 'worse') return { decision: 'roll_back', reason: 'worse', movement: moved };
  if (moved === 'improved') return { decision: 'keep', reason: 'improved', movement: moved };
  return target.direction === 'hold' || options.keepUnchanged ? { decision: 'keep', reason: 'unchanged', movement: moved } : { decision: 'roll_back', reason: 'unchanged', movement: moved };
}
