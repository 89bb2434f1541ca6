/**
 * USD amounts as they leave the process (JSON, CSV, text): 10 significant digits, so a sum of
 * prices reads `0.0001626`, not `0.00016260000000000002`. Only for output: stored values and the
 * totals computed from them keep full precision.
 */
export function roundUsd(value: number): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(10)) : value;
}

/**
 * A copy of `value` (plain objects and arrays, recursively) with every number under a key ending
 * in `Usd` (`costUsd`, `costPerRequestUsd`, `projectedSavingsUsd`, …) passed through `roundUsd`;
 * everything else as it was. For report data about to be rendered.
 */
export function roundUsdFields<T>(value: T): T {
  return roundIn(value) as T;
}

function roundIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(roundIn);
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) out[key] = typeof entry === 'number' && key.endsWith('Usd') ? roundUsd(entry) : roundIn(entry);
  return out;
}
