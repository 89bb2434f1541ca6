/** A measured proportion with its 95 % Wilson score interval (sound at 0 and at small counts). */
export interface Proportion {
  count: number;
  total: number;
  /** count / total; 0 when total is 0. */
  rate: number;
  low: number;
  high: number;
}

const Z95 = 1.959964;

export function wilsonInterval(count: number, total: number, z = Z95): Proportion {
  if (total === 0) return { count, total, rate: 0, low: 0, high: 1 };
  const rate = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (rate + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((rate * (1 - rate)) / total + z2 / (4 * total * total))) / denominator;
  // At 0 and at total the bound is exactly 0 or 1 (rounding would leave 1e-17 or 0.9999…).
  return { count, total, rate, low: count === 0 ? 0 : Math.max(0, centre - half), high: count === total ? 1 : Math.min(1, centre + half) };
}
