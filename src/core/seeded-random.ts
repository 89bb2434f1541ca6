/**
 * Seeded randomness, shared by the router's bandit and the provider simulator so tests, the
 * regret benchmark and simulated runs are reproducible. `Random` is any uniform [0, 1) source;
 * production passes `Math.random`.
 */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit generator; good enough for sampling, not for secrets. */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
