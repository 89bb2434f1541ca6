import type { CacheClock } from '../../../src/infrastructure/cache/cache-store.js';

/** A wall clock the test moves by hand. */
export interface FakeClock extends CacheClock {
  advance(ms: number): void;
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
