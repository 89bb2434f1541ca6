import { randomUUID } from 'node:crypto';
import type { DailyRequestQuota } from '../../providers/rate-limit/daily-quota.js';
import type { BudgetStore } from './budget-store.js';

const DAY_MS = 86_400_000;

/**
 * A provider's requests per UTC day, counted in the budget ledger's store: one period per
 * provider and day (`requests:<provider>:day:2026-12-07`) whose unit is one request instead of a
 * nano-USD. So the count is the machine's (SQLite `shared-state.db`) or the deployment's (Redis),
 * survives restarts as the budget does, and a take is one atomic check-and-book however many
 * workers race for the last request.
 */
export function createDailyRequestQuota(store: BudgetStore, options: { provider: string; limit: number }, deps: { now?: () => number } = {}): DailyRequestQuota {
  const now = deps.now ?? Date.now;
  return {
    limit: options.limit,
    async take() {
      const at = now();
      const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
      const resetAt = dayStart + DAY_MS;
      const period = {
        key: `requests:${options.provider}:day:${new Date(dayStart).toISOString().slice(0, 10)}`,
        limit: options.limit,
        // Kept a week after the day, as the budget's day counters are.
        expiresAt: resetAt + 7 * DAY_MS,
      };
      // The request is made once admitted: the check and its count are one atomic step that
      // leaves no reservation behind (a reserve then a reconcile left one open, until the day's
      // end, whenever the process died between the two: seen in the chaos suite).
      const taken = await store.reserve({ id: randomUUID(), amount: 1, periods: [period], enforce: true, expiresAt: resetAt, now: at, spend: true });
      const used = (taken.totals[0]?.spent ?? 0) + (taken.totals[0]?.reserved ?? 0);
      return { granted: taken.granted, used, resetAt };
    },
  };
}
