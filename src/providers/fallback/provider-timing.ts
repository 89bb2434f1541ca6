import type { ProviderTiming } from '../provider.js';

export interface ProviderTimingOptions {
  /** `deadline_seconds` in ms: bounds one request's tries, retries and fallbacks together. */
  deadlineMs: number;
  /** `hedge_after` in ms, or `auto`: the p99 of recent successful calls. */
  hedgeAfterMs?: number | 'auto' | undefined;
}

/** Successful latencies kept per provider (a ring; the oldest is overwritten). */
const WINDOW = 128;
/** Below this many successes the p99 means little: hedge after the floor. */
const MIN_SAMPLES = 10;
/**
 * Never hedge sooner: a provider answering in 5 ms would otherwise be doubled on every GC pause
 * or scheduling hiccup. Also the delay before a provider has history: a hung provider must not
 * cost seconds even on a fresh worker.
 */
export const HEDGE_FLOOR_MS = 250;
/**
 * The delay is at most this many times the median: with few samples the p99 is their maximum, and
 * one cold-start outlier (a fresh process's first call: connection set-up, unoptimised code, a
 * loaded machine) would otherwise set it — measured at 0.6–1.2 s for a 5 ms provider, which a hung
 * provider then cost every request until 64 more answers. A provider's real spread (an LLM's p99 is
 * typically 2–5× its median) stays below the cap.
 */
const MAX_TIMES_MEDIAN = 8;
/** The percentile is recomputed after this many new samples, not per call. */
const RECOMPUTE_EVERY = 64;
/**
 * Hedges a provider without latency history may lose in a row, having run past its delay, before
 * the next loss counts as a timeout: it has answered nothing since, so it looks hung.
 */
export const UNPROVEN_LOSSES_FORGIVEN = 2;

/**
 * A provider's deadline and hedge delay. With `hedge_after: auto`, the next provider starts when a
 * try has run longer than this provider's p99 of its last 128 successful calls (at most 8× their
 * median, never below 250 ms, and 250 ms until it has answered 10 times). A failed or hedged try adds no sample, so a hung
 * provider's timeouts cannot push its own hedge delay up. `hedgeLost` says which cancelled tries
 * count as timeouts.
 */
export function createProviderTiming(options: ProviderTimingOptions): ProviderTiming {
  const fixed = typeof options.hedgeAfterMs === 'number' ? options.hedgeAfterMs : undefined;
  const samples = new Float64Array(WINDOW);
  const sorted = new Float64Array(WINDOW);
  let count = 0;
  let sinceRecompute = 0;
  let current = HEDGE_FLOOR_MS;
  /** Hedges lost in a row past the delay while the provider has no history, since its last answer. */
  let unprovenLosses = 0;

  const recompute = () => {
    const size = Math.min(count, WINDOW);
    const view = sorted.subarray(0, size);
    view.set(samples.subarray(0, size));
    view.sort();
    const p99 = view[Math.min(size - 1, Math.ceil(0.99 * size) - 1)]!;
    const median = view[(size - 1) >> 1]!;
    current = Math.max(HEDGE_FLOOR_MS, Math.min(p99, MAX_TIMES_MEDIAN * median));
    sinceRecompute = 0;
  };

  return {
    deadlineMs: options.deadlineMs,
    hedgeAfterMs: () => fixed ?? current,
    /**
     * A lost try is a timeout only when it outran this provider's own hedge delay (a try started
     * as a hedge and cancelled sooner was not slow: it started late) and that delay rests on
     * evidence: configured, or the p99 of at least 10 answers. Before that, 250 ms says nothing
     * about an LLM that normally takes seconds, and counting every lost hedge as a timeout opened
     * breakers and moved traffic off healthy providers of a fresh server; only a provider that
     * keeps losing without ever answering (hung) is counted then.
     */
    hedgeLost(elapsedMs) {
      if (elapsedMs < (fixed ?? current)) return false;
      if (fixed !== undefined || count >= MIN_SAMPLES) return true;
      unprovenLosses += 1;
      return unprovenLosses > UNPROVEN_LOSSES_FORGIVEN;
    },
    observe(latencyMs) {
      unprovenLosses = 0;
      if (fixed !== undefined) return;
      samples[count % WINDOW] = latencyMs;
      count += 1;
      sinceRecompute += 1;
      if (count >= MIN_SAMPLES && (count === MIN_SAMPLES || sinceRecompute >= RECOMPUTE_EVERY)) recompute();
    },
  };
}
