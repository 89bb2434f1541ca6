import { describe, expect, it } from 'vitest';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';
import type { BudgetPeriod, SettleResult } from '../../src/infrastructure/budget/budget-store.js';
import { createDailyRequestQuota } from '../../src/infrastructure/budget/daily-request-quota.js';

const NOW = Date.UTC(2026, 11, 7, 13);

/** A ledger whose process "dies" after its first step: nothing after a store call's reply ever runs. */
class DyingAfterFirstStep extends MemoryBudgetStore {
  override reconcile(_id: string, _periods: readonly BudgetPeriod[], _actual: number, _now: number): Promise<SettleResult> {
    return new Promise(() => undefined);
  }
}

describe('daily request quota', () => {
  it('counts a take in one atomic step: a process that dies after it leaves no reservation open', async () => {
    const store = new DyingAfterFirstStep();
    const quota = createDailyRequestQuota(store, { provider: 'gemini', limit: 2 }, { now: () => NOW });
    const settled = await Promise.race([quota.take(), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 200))]);
    expect(settled).toMatchObject({ granted: true, used: 1 });
    // Nothing left for releaseAbandoned or the expiry sweep to find: the request is counted as spent.
    expect(await store.releaseAbandoned('')).toBe(0);
  });

  it('grants up to the limit per UTC day, then refuses with the count and the reset time', async () => {
    let now = NOW;
    const quota = createDailyRequestQuota(new MemoryBudgetStore(), { provider: 'gemini', limit: 2 }, { now: () => now });
    const takes = [await quota.take(), await quota.take(), await quota.take()];
    expect(takes.map((take) => [take.granted, take.used])).toEqual([
      [true, 1],
      [true, 2],
      [false, 2],
    ]);
    expect(takes[2]!.resetAt).toBe(Date.UTC(2026, 11, 8));
    now = Date.UTC(2026, 11, 8, 0, 0, 1);
    expect(await quota.take()).toMatchObject({ granted: true, used: 1 });
  });
});
