/**
 * Deterministic helpers for the simulator: string hashes for seeds and choices, lognormal
 * latencies. The seeded generator itself is `core/seeded-random.ts`.
 */
import type { Random } from '../../core/seeded-random.js';

/** FNV-1a 32-bit hash of a string; used for seeds and deterministic choices. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_P99 = 2.3263478740408408;

/**
 * A lognormal sample with the given median and 99th percentile (ms): median = e^mu and
 * p99 = e^(mu + 2.326 sigma). Box–Muller on two uniform draws.
 */
export function sampleLognormal(random: Random, medianMs: number, p99Ms: number): number {
  if (medianMs <= 0) return 0;
  const sigma = p99Ms > medianMs ? Math.log(p99Ms / medianMs) / Z_P99 : 0;
  const u1 = Math.max(random(), Number.EPSILON);
  const u2 = random();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return medianMs * Math.exp(sigma * normal);
}
