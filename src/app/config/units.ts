import { z } from 'zod';
import type { Bound } from '../../core/bound.js';

/**
 * The seed writes values the way people say them: `100ms`, `30s`, `5m`, `99.9%`, `< 0.1%`,
 * `> 1000 rps`. These zod types accept those forms (and plain numbers) and normalise them.
 */

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof DURATION_UNITS_MS;

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i;

/** Parses `250ms`, `30s`, `5m`, `2h`, `1d` into milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const unit = match[2]!.toLowerCase() as DurationUnit;
  return Number(match[1]) * DURATION_UNITS_MS[unit];
}

/**
 * A duration expressed in `unit` in the parsed config. Plain numbers are already in `unit`
 * (the seed's `timeout_seconds: 30`); strings carry their own unit (`"500ms"`).
 */
export function duration(unit: DurationUnit) {
  return z.union([z.number(), z.string()]).transform((value, context) => {
    const ms = typeof value === 'number' ? value * DURATION_UNITS_MS[unit] : parseDurationMs(value);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `expected a duration such as 100ms, 30s, 5m or 1h (got "${String(value)}")` });
      return z.NEVER;
    }
    if (ms < 0) {
      context.addIssue({ code: 'custom', message: `must not be negative (got ${String(value)})` });
      return z.NEVER;
    }
    return ms / DURATION_UNITS_MS[unit];
  });
}

/** A non-negative count of seconds written as a number (`ttl_seconds: 300`) or a duration. */
export const seconds = () => duration('s');
export const milliseconds = () => duration('ms');

const PERCENT_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/** `99.9%` → 0.999; a bare number ≤ 1 is already a fraction. */
export function fraction() {
  return z.union([z.number(), z.string()]).transform((value, context) => {
    let result: number | undefined;
    if (typeof value === 'number') result = value;
    else {
      const match = PERCENT_PATTERN.exec(value);
      result = match ? Number(match[1]) / 100 : undefined;
    }
    if (result === undefined || result < 0 || result > 1) {
      context.addIssue({ code: 'custom', message: `expected a fraction 0–1 or a percentage such as 99.9% (got "${String(value)}")` });
      return z.NEVER;
    }
    return result;
  });
}

export type { Bound } from '../../core/bound.js';
export { isSatisfied } from '../../core/bound.js';

const BOUND_PATTERN = /^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*([a-z%/]*)\s*$/i;

/** Parses `< 0.1%`, `> 1000 rps`, `<= 200ms`. */
export function parseBound(text: string): Bound | undefined {
  const match = BOUND_PATTERN.exec(text);
  if (!match) return undefined;
  const op = match[1] as Bound['op'];
  const number = Number(match[2]);
  const unit = (match[3] ?? '').toLowerCase();
  if (unit === '%') return { op, value: number / 100, unit };
  if (unit in DURATION_UNITS_MS) return { op, value: number * DURATION_UNITS_MS[unit as DurationUnit], unit: 'ms' };
  return { op, value: number, unit };
}

export function bound() {
  return z.string().transform((value, context) => {
    const parsed = parseBound(value);
    if (!parsed) {
      context.addIssue({
        code: 'custom',
        message: `expected a bound such as "< 0.1%" or "> 1000 rps" (quote it in YAML: a bare > starts a folded block)`,
      });
      return z.NEVER;
    }
    return parsed;
  });
}
