/**
 * Pure budget maths: which of the seed's actions apply at a utilisation, the calendar periods a
 * moment belongs to, the worst-case cost of a call and which providers count as expensive.
 */
import type { ModelPrice } from './prices.js';

export type BudgetAction = 'alert' | 'throttle' | 'pause_expensive_providers' | 'emergency_stop';

export interface BudgetThreshold {
  /** Fraction of the limit, e.g. 0.8 for `80_percent`. */
  fraction: number;
  action: BudgetAction;
}

/** The seed's defaults: 80 % alert, 90 % throttle, 95 % pause expensive providers, 100 % stop. */
export const DEFAULT_BUDGET_ACTIONS: Readonly<Record<string, BudgetAction>> = {
  '80_percent': 'alert',
  '90_percent': 'throttle',
  '95_percent': 'pause_expensive_providers',
  '100_percent': 'emergency_stop',
};

/** `{ '80_percent': 'alert', … }` → thresholds sorted by fraction. */
export function parseBudgetActions(actions: Readonly<Record<string, BudgetAction>>): BudgetThreshold[] {
  const thresholds: BudgetThreshold[] = [];
  for (const [key, action] of Object.entries(actions)) {
    const match = /^(\d{1,3})_percent$/.exec(key);
    if (!match) throw new Error(`budget action key ${key} is not like 80_percent`);
    thresholds.push({ fraction: Number(match[1]) / 100, action });
  }
  return thresholds.sort((a, b) => a.fraction - b.fraction);
}

export interface ActiveActions {
  /** Highest threshold reached, or undefined below every threshold. */
  threshold: BudgetThreshold | undefined;
  alert: boolean;
  throttle: boolean;
  pauseExpensive: boolean;
  emergencyStop: boolean;
}

/** Every action whose threshold the utilisation (committed / limit) has reached applies at once. */
export function activeActions(thresholds: readonly BudgetThreshold[], utilisation: number): ActiveActions {
  const active: ActiveActions = { threshold: undefined, alert: false, throttle: false, pauseExpensive: false, emergencyStop: false };
  for (const threshold of thresholds) {
    if (utilisation + 1e-12 < threshold.fraction) break;
    active.threshold = threshold;
    if (threshold.action === 'alert') active.alert = true;
    if (threshold.action === 'throttle') active.throttle = true;
    if (threshold.action === 'pause_expensive_providers') active.pauseExpensive = true;
    if (threshold.action === 'emergency_stop') active.emergencyStop = true;
  }
  return active;
}

export interface CalendarPeriods {
  day: { key: string; start: number; end: number };
  month: { key: string; start: number; end: number };
}

/** The UTC day and month containing `now` (epoch ms), with their bounds. */
export function calendarPeriods(now: number): CalendarPeriods {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const dayStart = Date.UTC(year, month, day);
  const monthStart = Date.UTC(year, month, 1);
  const iso = date.toISOString();
  return {
    day: { key: `day:${iso.slice(0, 10)}`, start: dayStart, end: dayStart + 86_400_000 },
    month: { key: `month:${iso.slice(0, 7)}`, start: monthStart, end: Date.UTC(year, month + 1, 1) },
  };
}

/**
 * The most a call can cost: the estimated input tokens (times `inputMargin`, since estimates can
 * be low) plus every output token it may generate, at the model's price. USD.
 */
export function worstCaseCostUsd(price: ModelPrice | undefined, inputTokens: number, maxOutputTokens: number, inputMargin = 1): number {
  if (!price) return 0;
  return (Math.ceil(inputTokens * inputMargin) * price.input_per_million + maxOutputTokens * price.output_per_million) / 1_000_000;
}

/** Price of a model as one number for ranking: input + output USD per million tokens. */
export function blendedPrice(price: ModelPrice | undefined): number {
  return price ? price.input_per_million + price.output_per_million : 0;
}

/** Providers whose price is strictly above the median of all providers' prices. */
export function expensiveProviders(prices: Readonly<Record<string, number>>): Set<string> {
  const values = Object.values(prices).sort((a, b) => a - b);
  if (values.length === 0) return new Set();
  const middle = Math.floor(values.length / 2);
  const median = values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
  return new Set(Object.entries(prices).filter(([, price]) => price > median).map(([provider]) => provider));
}
