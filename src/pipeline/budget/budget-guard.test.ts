import { describe, expect, it } from 'vitest';
import { FortitudeError } from '../../core/errors.js';
import type { BudgetAlert } from './budget-guard.js';
import { createBudgetGuard } from './budget-guard.js';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from './budget-policy.js';
import { MemoryBudgetStore } from './memory-budget-store.js';

const NOW = Date.UTC(2025, 4, 10, 12);
/** 1 USD per million input and output tokens: 1 000 000 tokens = 1 USD. */
const PRICE = { input_per_million: 1, output_per_million: 1 };
const EXPENSIVE = { input_per_million: 30, output_per_million: 60 };

function setup(options: { hardLimits?: boolean; random?: () => number; daily?: number } = {}) {
  const alerts: BudgetAlert[] = [];
  const store = new MemoryBudgetStore();
  const guard = createBudgetGuard(
    {
      dailyBudgetUsd: options.daily ?? 1,
      monthlyBudgetUsd: 100,
      alertFractions: { day: [0.8], month: [0.9] },
      hardLimits: options.hardLimits ?? true,
      thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS),
      providerPrices: { cheap: PRICE, mid: { input_per_million: 3, output_per_million: 15 }, pricey: EXPENSIVE },
      inputTokenMargin: 1,
    },
    { store, now: () => NOW, random: options.random ?? (() => 0), onAlert: (alert) => alerts.push(alert) },
  );
  /** Spends `usd` on `cheap` in one reserved-then-reconciled call. */
  const spend = async (usd: number) => {
    const reservation = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: Math.round(usd * 1e6), urgent: true });
    await reservation.reconcile(usd);
  };
  return { guard, store, alerts, spend };
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof FortitudeError ? `${error.code}:${String(error.details?.action)}` : String(error);
  }
};

describe('budget guard', () => {
  it('reserves the worst case and reconciles to the actual cost, releasing the rest', async () => {
    const { guard, spend } = setup();
    const reservation = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 100_000, maxOutputTokens: 200_000 });
    expect(reservation.reservedUsd).toBeCloseTo(0.3, 9);
    expect(guard.state().day).toMatchObject({ reservedUsd: 0.3, spentUsd: 0 });
    expect(await reservation.reconcile(0.12)).toEqual({ overrunUsd: 0 });
    expect(guard.state().day.reservedUsd).toBe(0);
    expect(guard.state().day.spentUsd).toBeCloseTo(0.12, 9);
    await reservation.reconcile(0.5); // idempotent: counted once
    expect(guard.state().day.spentUsd).toBeCloseTo(0.12, 9);
    await spend(0.1);
    expect(guard.state().month.spentUsd).toBeCloseTo(0.22, 9);
  });

  it('reserves the rough prompt estimate far below the thresholds and counts exactly only near one', async () => {
    const { guard, spend } = setup();
    let counted = 0;
    const exactInputTokens = () => {
      counted += 1;
      return 50_000;
    };
    const far = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 80_000, exactInputTokens, maxOutputTokens: 0 });
    expect(counted).toBe(0);
    expect(far.reservedUsd).toBeCloseTo(0.08, 9); // the rough estimate
    await far.release();
    await spend(0.45); // the day at 45 %: the lowest threshold (alert at 80 %) is within reach (≥ 40 %)
    const near = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 80_000, exactInputTokens, maxOutputTokens: 0 });
    expect(counted).toBe(1);
    expect(near.reservedUsd).toBeCloseTo(0.05, 9); // the exact count
    await near.release();
  });

  it('refuses a call whose worst case would pass the limit, and releases on release()', async () => {
    const { guard } = setup();
    const big = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 700_000 });
    expect(await codeOf(guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 400_000 }))).toBe('budget_exceeded:reservation_refused');
    // The refusal says what the worst case is made of and how to get under it.
    await expect(guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 400_000 })).rejects.toThrow(
      /max_tokens 400000 .*send a smaller max_tokens, or raise cost_management\.global\.daily_budget_usd/,
    );
    await big.release();
    expect(await codeOf(guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 400_000 }))).toBe('ok');
  });

  it('alerts at 80 %, throttles non-urgent calls at 90 %, pauses expensive providers at 95 %, stops at 100 %', async () => {
    let draw = 0.9;
    const { guard, alerts, spend } = setup({ random: () => draw });
    const call = (provider: string, urgent = false) =>
      codeOf(guard.reserve({ provider, model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 1_000, urgent }).then((reservation) => reservation.release()));

    await spend(0.79);
    expect(alerts).toEqual([]);
    expect(await call('cheap')).toBe('ok');
    await spend(0.02); // 81 %
    expect(alerts.map((alert) => `${alert.period}:${alert.threshold}:${alert.action}`)).toEqual(['day:0.8:alert']);
    expect(await call('cheap')).toBe('ok');

    await spend(0.1); // 91 %
    expect(guard.state().actions.throttle).toBe(true);
    expect(await call('cheap')).toBe('rate_limited:throttle'); // draw 0.9 ≥ admit fraction 0.5
    draw = 0.2;
    expect(await call('cheap')).toBe('ok');
    draw = 0.9;
    expect(await call('cheap', true)).toBe('ok'); // urgent calls are never throttled
    expect(guard.pausedProviders().size).toBe(0);

    await spend(0.05); // 96 %
    expect(guard.pausedProviders()).toEqual(new Set(['pricey']));
    expect(await call('pricey', true)).toBe('budget_exceeded:pause_expensive_providers');
    expect(await call('cheap', true)).toBe('ok');

    await spend(0.04); // 100 %
    expect(await call('cheap', true)).toBe('budget_exceeded:emergency_stop');
    expect(alerts.map((alert) => alert.action)).toEqual(['alert', 'throttle', 'pause_expensive_providers', 'emergency_stop']);
  });

  it('with hard_limits false books spend past the limit and never stops', async () => {
    const { guard, spend } = setup({ hardLimits: false });
    await spend(0.9);
    const reservation = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 500_000, urgent: true });
    await reservation.reconcile(0.5);
    expect(guard.state().day.utilisation).toBeCloseTo(1.4, 9);
    expect(await codeOf(guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 10, urgent: true }))).toBe('ok');
  });

  it('reports an overrun when the actual cost exceeds the reservation (a low input estimate)', async () => {
    const { guard } = setup();
    const reservation = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 1_000, maxOutputTokens: 1_000 });
    expect((await reservation.reconcile(0.003)).overrunUsd).toBeCloseTo(0.001, 9);
  });

  it('sees other replicas’ spend on refresh()', async () => {
    const { guard, store } = setup();
    const periods = [{ key: 'day:2025-05-10', limit: 1e9, expiresAt: NOW + 1e9 }];
    await store.reconcile('other-replica', periods, 850_000_000, NOW);
    expect(guard.state().actions.alert).toBe(false);
    await guard.refresh();
    expect(guard.state().day.spentUsd).toBeCloseTo(0.85, 9);
    expect(guard.state().actions.alert).toBe(true);
  });
});

describe('budget guard sharing a ledger with other processes', () => {
  it('re-reads a stale view before refusing: another process’s released reservation does not stop this one', async () => {
    let now = NOW;
    const store = new MemoryBudgetStore(); // one ledger, as two workers share shared-state.db
    const guard = (random: () => number) =>
      createBudgetGuard(
        { dailyBudgetUsd: 1, monthlyBudgetUsd: 100, hardLimits: true, thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS), inputTokenMargin: 1 },
        { store, now: () => now, random },
      );
    const here = guard(() => 0.99); // throttling would refuse every non-urgent call
    const other = guard(() => 0);
    const call = (usd: number) => ({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: Math.round(usd * 1e6) });
    const big = await other.reserve({ ...call(0.95), urgent: true });
    const small = await here.reserve({ ...call(0.05), urgent: true });
    await small.reconcile(0.01);
    expect(here.state().actions.throttle).toBe(true); // it last saw the other's 0.95 in flight
    await big.release(); // the other's call failed: nothing spent
    now += 1_000;
    expect(await codeOf(here.reserve(call(0.01)))).toBe('ok');
  });
});

describe('budget guard when the store cannot answer the re-read', () => {
  it('refuses from the older view instead of failing', async () => {
    let now = NOW;
    const inner = new MemoryBudgetStore();
    let broken = false;
    const store = {
      reserve: (request: Parameters<MemoryBudgetStore['reserve']>[0]) => inner.reserve(request),
      reconcile: (...args: Parameters<MemoryBudgetStore['reconcile']>) => inner.reconcile(...args),
      settlePart: (...args: Parameters<MemoryBudgetStore['settlePart']>) => inner.settlePart(...args),
      release: (...args: Parameters<MemoryBudgetStore['release']>) => inner.release(...args),
      releaseAbandoned: (...args: Parameters<MemoryBudgetStore['releaseAbandoned']>) => inner.releaseAbandoned(...args),
      totals: (...args: Parameters<MemoryBudgetStore['totals']>) => (broken ? Promise.reject(new Error('store unreachable')) : inner.totals(...args)),
      close: () => inner.close(),
    };
    const guard = createBudgetGuard(
      { dailyBudgetUsd: 1, monthlyBudgetUsd: 100, hardLimits: true, thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS), inputTokenMargin: 1 },
      { store, now: () => now, random: () => 0.99 },
    );
    const held = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 950_000, urgent: true });
    broken = true;
    now += 1_000;
    expect(await codeOf(guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 10_000 }))).toBe('rate_limited:throttle');
    await held.release();
  });
});

describe('budget guard: calendar periods as the clock moves', () => {
  it('books into the next UTC day and month once the clock passes midnight (the periods are reused only within a day)', async () => {
    let now = Date.UTC(2025, 4, 31, 23, 59, 59, 900);
    const store = new MemoryBudgetStore();
    const guard = createBudgetGuard(
      { dailyBudgetUsd: 1, monthlyBudgetUsd: 100, hardLimits: true, thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS), inputTokenMargin: 1 },
      { store, now: () => now, random: () => 0 },
    );
    const first = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 600_000, urgent: true });
    await first.reconcile(0.6);
    expect(guard.state().day).toMatchObject({ key: 'day:2025-05-31', spentUsd: 0.6 });
    now += 200; // 2025-06-01T00:00:00.100Z
    expect(guard.state().day).toMatchObject({ key: 'day:2025-06-01', spentUsd: 0 });
    expect(guard.state().month.key).toBe('month:2025-06');
    // A fresh day: 0.6 USD more fits under the 1 USD daily limit again.
    const second = await guard.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 600_000, urgent: true });
    await second.reconcile(0.6);
    expect((await guard.refresh()).day).toMatchObject({ key: 'day:2025-06-01', spentUsd: 0.6 });
  });
});

describe('budget guard: reservations of a dead process', () => {
  it('prefixes reservation ids with their owner and releases a dead owner\'s reservations at once', async () => {
    const store = new MemoryBudgetStore();
    const options = { dailyBudgetUsd: 1, monthlyBudgetUsd: 100, hardLimits: true, thresholds: [], inputTokenMargin: 1 };
    const dead = createBudgetGuard({ ...options, reservationOwner: 'host:7' }, { store, now: () => NOW });
    const alive = createBudgetGuard({ ...options, reservationOwner: 'host:8' }, { store, now: () => NOW });
    const held = await dead.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 900_000 });
    expect(held.id.startsWith('host:7/')).toBe(true);
    // The dead process's reservation blocks the day's budget until released.
    expect(await codeOf(alive.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 200_000 }))).toBe('budget_exceeded:reservation_refused');
    expect(await alive.releaseAbandoned('host:7')).toBe(1);
    expect(alive.state().day.reservedUsd).toBe(0);
    const admitted = await alive.reserve({ provider: 'cheap', model: 'm', price: PRICE, inputTokens: 0, maxOutputTokens: 200_000 });
    expect(await alive.releaseAbandoned('host:8')).toBe(1);
    await admitted.release();
  });
});
