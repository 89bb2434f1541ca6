/**
 * Sampling from the distributions the bandit needs, over any uniform source (a seeded one in
 * tests and the regret benchmark, `Math.random` in production).
 */
import type { Random } from '../../core/seeded-random.js';

/** Standard normal by Box–Muller. */
export function sampleNormal(random: Random): number {
  let u = random();
  while (u <= Number.EPSILON) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 via the boost Gamma(a+1)·U^(1/a)). */
export function sampleGamma(shape: number, random: Random): number {
  if (shape <= 0) return 0;
  if (shape < 1) {
    let u = random();
    while (u <= Number.EPSILON) u = random();
    return sampleGamma(shape + 1, random) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(alpha, beta) as X/(X+Y) of two gammas. */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x + y === 0 ? 0.5 : x / (x + y);
}
