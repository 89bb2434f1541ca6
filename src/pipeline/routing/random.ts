/**
 * Seeded randomness for the bandit, so tests and the regret benchmark are reproducible.
 * `Random` is any uniform [0, 1) source; production passes `Math.random`.
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
