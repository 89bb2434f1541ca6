import type { CancelSignal } from './cancel-signal.js';

/**
 * Time as the resilience layers see it. Rate limiters, breakers, retries and statistics take a
 * `Clock` so tests can drive time by hand instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin; only differences matter). */
  now(): number;
  /** Calls `callback` after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
};

/** Resolves after `delayMs` on `clock`; rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, delayMs: number, signal?: CancelSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  if (delayMs <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal?.reason as Error);
    };
    const cancel = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order (awaiting microtasks between them). */
  advance(ms: number): Promise<void>;
  /** Number of timers not yet fired or cancelled. */
  pendingTimers(): number;
}

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock for tests: time stands still until `advance` is called. */
export function createManualClock(start = 1_000_000): ManualClock {
  let current = start;
  let seq = 0;
  const timers = new Set<ManualTimer>();
  const flush = async () => {
    for (let index = 0; index < 10; index += 1) await Promise.resolve();
  };
  return {
    now: () => current,
    setTimer(delayMs, callback) {
      const timer = { at: current + Math.max(0, delayMs), seq: (seq += 1), callback };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    async advance(ms) {
      const target = current + ms;
      await flush();
      for (;;) {
        let next: ManualTimer | undefined;
        for (const timer of timers) {
          if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
        }
        if (!next) break;
        timers.delete(next);
        current = next.at;
        next.callback();
        await flush();
      }
      current = target;
      await flush();
    },
    pendingTimers: () => timers.size,
  };
}
