import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BudgetPeriod, BudgetStore } from '../../infrastructure/budget/budget-store.js';
import type { BudgetAlert, BudgetGuard } from './budget-guard.js';
import { createBudgetGuard } from './budget-guard.js';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from './budget-policy.js';
import { MemoryBudgetStore } from './memory-budget-store.js';
import { openMachineState } from '../../infrastructure/machine-state/machine-state-db.js';
import { SqliteBudgetStore } from '../../infrastructure/machine-state/sqlite-budget-store.js';

/** 1 USD per million tokens: `maxOutputTokens: 1_000` is a worst case of 0.001 USD. */
const PRICE = { input_per_million: 1, output_per_million: 1 };
const NOW = Date.UTC(2025, 4, 10, 12);

/** A memory ledger that counts the calls reaching it. */
function countingStore(inner: BudgetStore = new MemoryBudgetStore()) {
  const calls = { reserve: 0, reconcile: 0, settlePart: 0 };
  const store: BudgetStore = {
    reserve: (request) => {
      calls.reserve++;
      return inner.reserve(request);
    },
    reconcile: (...args) => {
      calls.reconcile++;
      return inner.reconcile(...args);
    },
    settlePart: (...args) => {
      calls.settlePart++;
      return inner.settlePart(...args);
    },
    release: (...args) => inner.release(...args),
    releaseAbandoned: (...args) => inner.releaseAbandoned(...args),
    totals: (...args) => inner.totals(...args),
    close: () => inner.close(),
  };
  return { store, calls };
}

const dayOf = (at: number, limitUsd: number): BudgetPeriod => ({ key: `day:${new Date(at).toISOString().slice(0, 10)}`, limit: limitUsd * 1e9, expiresAt: at + 86_400_000 });

function leasedGuard(store: BudgetStore, options: { owner?: string; daily?: number; onAlert?: (alert: BudgetAlert) => void; now?: () => number } = {}): BudgetGuard {
  return createBudgetGuard(
    {
      dailyBudgetUsd: options.daily ?? 1,
      monthlyBudgetUsd: 1_000,
      alertFractions: { day: [0.8] },
      hardLimits: true,
      thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS),
      inputTokenMargin: 1,
      lease: { enabled: true },
      ...(options.owner ? { reservationOwner: options.owner } : {}),
    },
    { store, ...(options.now ? { now: options.now } : {}), random: () => 0, ...(options.onAlert ? { onAlert: options.onAlert } : {}) },
  );
}

/** One call of `tokens` worst-case output tokens costing `fraction` of it; resolves once reconciled. */
async function call(guard: BudgetGuard, tokens: number, fraction: number): Promise<number> {
  const reservation = await guard.reserve({ provider: 'p', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: tokens, urgent: true });
  await new Promise((resolve) => setImmediate(resolve));
  const actual = reservation.reservedUsd * fraction;
  await reservation.reconcile(actual);
  return actual;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('budget guard with a leased block of headroom', () => {
  it('draws calls far below the thresholds from one block, without a store round trip each', async () => {
    const { store, calls } = countingStore();
    const guard = leasedGuard(store);
    // The first call reserves in the store and starts the lease; the next ones draw from it.
    await call(guard, 1_000, 0.5);
    for (let index = 0; index < 10; index++) await call(guard, 1_000, 0.5);
    expect(calls.reserve).toBe(2); // the first call and the block (1 % of the day: 0.01 USD)
    const state = guard.state();
    // Local spend is reported as spent, the block as reserved.
    expect(state.day.spentUsd).toBeCloseTo(11 * 0.0005, 9);
    expect(state.day.reservedUsd).toBeCloseTo(0.01 - 10 * 0.0005, 9);
    await guard.close();
    expect(await store.totals([dayOf(Date.now(), 1)], Date.now())).toEqual([{ key: dayOf(Date.now(), 1).key, spent: 11 * 500_000, reserved: 0 }]);
  });

  it('reserves every call in the store once utilisation nears half of the lowest threshold (alert at 80 %: from 40 %)', async () => {
    const { store, calls } = countingStore();
    const guard = leasedGuard(store);
    const day = dayOf(Date.now(), 1);
    await store.reconcile('earlier', [day], 0.41e9, Date.now());
    await guard.refresh();
    for (let index = 0; index < 10; index++) await call(guard, 1_000, 1);
    expect(calls.reserve).toBe(10);
    await guard.close();
  });

  it('stops drawing when the block runs out and flushes, so a block never carries the ledger past 40 % of the day', async () => {
    const { store, calls } = countingStore();
    const alerts: BudgetAlert[] = [];
    const guard = leasedGuard(store, { onAlert: (alert) => alerts.push(alert) });
    // 0.001 USD worst case, 0.001 USD spent each: 1 000 calls would spend the whole 1 USD.
    let spent = 0;
    for (let index = 0; index < 900; index++) spent += await call(guard, 1_000, 1);
    await guard.close();
    const [totals] = await store.totals([dayOf(Date.now(), 1)], Date.now());
    expect(totals!.spent).toBe(Math.round(spent * 1e9));
    expect(totals!.reserved).toBe(0);
    // Leased at first (far fewer store reserves than calls), per call past 40 %.
    expect(calls.reserve).toBeLessThan(900);
    expect(calls.reserve).toBeGreaterThan(450);
    // The 80 % alert fired once, at 80 % or more.
    expect(alerts.filter((alert) => alert.period === 'day' && alert.threshold === 0.8)).toHaveLength(1);
    expect(alerts.find((alert) => alert.threshold === 0.8)!.utilisation).toBeGreaterThanOrEqual(0.8);
  });

  it.each([
    ['memory', () => new MemoryBudgetStore()],
    ['SQLite (the machine-state ledger, batched per turn)', () => new SqliteBudgetStore(openMachineState({ path: ':memory:' }), { ownsDatabase: true })],
  ] as const)('two leasing guards over one %s ledger, 4 000 calls in waves of 100 concurrent, never pass the hard limit', async (_name, ledger) => {
    const { store, calls } = countingStore(ledger());
    const first = leasedGuard(store, { owner: 'host:1' });
    const second = leasedGuard(store, { owner: 'host:2' });
    const day = dayOf(Date.now(), 1);
    let maxCommitted = 0;
    let actualSum = 0;
    const watch = setInterval(() => {
      void store.totals([day], Date.now()).then(([totals]) => (maxCommitted = Math.max(maxCommitted, totals!.spent + totals!.reserved)));
    }, 1);
    const results: PromiseSettledResult<void>[] = [];
    for (let wave = 0; wave < 40; wave++) {
      results.push(
        ...(await Promise.allSettled(
          Array.from({ length: 100 }, async (_, index) => {
            const guard = index % 2 === 0 ? first : second;
            const actual = await call(guard, 200 + (index % 7) * 100, 0.6 + ((index + wave) % 5) / 10);
            actualSum += actual;
          }),
        )),
      );
    }
    clearInterval(watch);
    await Promise.all([first.close(), second.close()]);
    const [totals] = await store.totals([day], Date.now());
    // The limit bound: the last calls were refused.
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(1_000);
    expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
    expect(totals!.reserved).toBe(0);
    // Each actual cost is rounded to the nano-USD once.
    expect(Math.abs(totals!.spent - actualSum * 1e9)).toBeLessThanOrEqual(4_000);
    expect(totals!.spent).toBeLessThanOrEqual(1e9);
    expect(maxCommitted).toBeLessThanOrEqual(1e9);
    expect(calls.reserve).toBeLessThan(4_000);
    await store.close();
  });

  it('settles local spend to the ledger within a flush interval, so another guard sees it', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { store } = countingStore();
    const first = leasedGuard(store, { owner: 'host:1' });
    const second = leasedGuard(store, { owner: 'host:2' });
    await call(first, 1_000, 1); // in the store: 0.001 USD
    for (let index = 0; index < 10; index++) await call(first, 1_000, 1); // drawn from the block
    expect(first.state().day.spentUsd).toBeCloseTo(0.011, 9);
    expect((await second.refresh()).day.spentUsd).toBeCloseTo(0.001, 9);
    await vi.advanceTimersByTimeAsync(250);
    const seen = await second.refresh();
    expect(seen.day.spentUsd).toBeCloseTo(0.011, 9);
    // The block (1 % of the day, 0.01 USD) is still held, less the 0.01 USD settled out of it.
    expect(seen.day.reservedUsd).toBeCloseTo(0, 9);
    await Promise.all([first.close(), second.close()]);
  });

  it('releases the block once idle: no reservation left, the spend all in the ledger', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { store } = countingStore();
    const guard = leasedGuard(store, { owner: 'host:1' });
    for (let index = 0; index < 5; index++) await call(guard, 1_000, 0.5);
    expect((await store.totals([dayOf(NOW, 1)], NOW))[0]!.reserved).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await store.totals([dayOf(NOW, 1)], Date.now())).toEqual([{ key: dayOf(NOW, 1).key, spent: 5 * 500_000, reserved: 0 }]);
    expect(await store.releaseAbandoned('host:1/', [dayOf(NOW, 1)], Date.now())).toBe(0);
    // A later call leases again.
    await call(guard, 1_000, 1);
    await guard.close();
  });

  it('a guard dropped without close (its process SIGKILLed): releaseAbandoned of its owner frees the block', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { store } = countingStore();
    const dead = leasedGuard(store, { owner: 'host:41' });
    const survivor = leasedGuard(store, { owner: 'host:42' });
    await call(dead, 1_000, 1);
    // Calls in flight on the block when the process dies.
    await dead.reserve({ provider: 'p', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 1_000, urgent: true });
    await dead.reserve({ provider: 'p', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 1_000, urgent: true });
    expect((await survivor.refresh()).day.reservedUsd).toBeCloseTo(0.01, 9);
    expect(await survivor.releaseAbandoned('host:41')).toBe(1);
    const state = await survivor.refresh();
    expect(state.day.reservedUsd).toBe(0);
    expect(state.day.spentUsd).toBeCloseTo(0.001, 9);
    await survivor.close();
  });
});
