/**
 * The Redis-outage fallback with a lease's block (a reservation the guard keeps and settles
 * spend out of): what Redis could not be told is settled under the block's id once Redis answers
 * again, so no block is left reserved until its 10 min expiry. The shared ledger here is a memory
 * store that fails on demand, so the test needs no Redis and no timing.
 */
import { describe, expect, it } from 'vitest';
import type { BudgetStore } from '../../src/infrastructure/budget/budget-store.js';
import { FallbackBudgetStore } from '../../src/infrastructure/redis/fallback-budget-store.js';
import type { RedisAvailability } from '../../src/infrastructure/redis/redis-connection.js';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';
import { createBudgetGuard } from '../../src/pipeline/budget/budget-guard.js';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from '../../src/pipeline/budget/budget-policy.js';

const NOW = Date.UTC(2026, 11, 7, 12);
const DAY = { key: 'day:2026-12-07', limit: 1_000_000, expiresAt: NOW + 86_400_000 };

function flakyRedis() {
  const inner = new MemoryBudgetStore();
  let down = false;
  const listeners = new Set<(available: boolean) => void>();
  const check = () => (down ? Promise.reject(new Error('ECONNREFUSED')) : undefined);
  const shared: BudgetStore = {
    reserve: (request) => check() ?? inner.reserve(request),
    reconcile: (...args) => check() ?? inner.reconcile(...args),
    settlePart: (...args) => check() ?? inner.settlePart(...args),
    release: (...args) => check() ?? inner.release(...args),
    releaseAbandoned: (idPrefix) => check() ?? inner.releaseAbandoned(idPrefix),
    totals: (...args) => check() ?? inner.totals(...args),
    close: () => inner.close(),
  };
  const availability: RedisAvailability & { available: boolean } = {
    available: true,
    admit: (): Promise<boolean> => Promise.resolve(availability.available),
    failed: () => {
      if (!availability.available) return;
      availability.available = false;
      for (const listener of listeners) listener(false);
    },
    onChange: (listener: (available: boolean) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    inner,
    shared,
    availability,
    kill: () => (down = true),
    restore: () => {
      down = false;
      availability.available = true;
      for (const listener of listeners) listener(true);
    },
  };
}

describe('FallbackBudgetStore with a leased block', () => {
  it('spend settled out of a Redis block during an outage is replayed, and the block released under its id, when Redis returns', async () => {
    const redis = flakyRedis();
    const store = new FallbackBudgetStore(redis.shared, () => new MemoryBudgetStore(), redis.availability);
    expect((await store.reserve({ id: 'host:1/block', amount: 500, periods: [DAY], enforce: true, expiresAt: NOW + 600_000, now: NOW })).granted).toBe(true);
    redis.kill();
    await store.settlePart('host:1/block', [DAY], 100, NOW);
    expect(redis.availability.available).toBe(false);
    await store.reconcile('host:1/block', [DAY], 50, NOW);
    expect(store.pendingSpend).toBe(150);
    expect(await redis.inner.totals([DAY], NOW)).toEqual([{ key: DAY.key, spent: 0, reserved: 500 }]);

    redis.restore();
    await store.flush();
    expect(store.pendingSpend).toBe(0);
    expect(await redis.inner.totals([DAY], NOW)).toEqual([{ key: DAY.key, spent: 150, reserved: 0 }]);
    expect(await redis.inner.releaseAbandoned('host:1/')).toBe(0);
  });

  it('a leasing guard through an outage: spend is counted once, and nothing stays reserved once it is closed', async () => {
    const redis = flakyRedis();
    const store = new FallbackBudgetStore(redis.shared, () => new MemoryBudgetStore(), redis.availability);
    const guard = createBudgetGuard(
      { dailyBudgetUsd: 1, monthlyBudgetUsd: 100, hardLimits: true, thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS), inputTokenMargin: 1, lease: { enabled: true }, reservationOwner: 'host:1' },
      { store, random: () => 0 },
    );
    const price = { input_per_million: 1, output_per_million: 1 };
    const call = async (actualUsd: number) => {
      const reservation = await guard.reserve({ provider: 'p', model: 'm', price, inputTokens: 0, maxOutputTokens: 1_000, urgent: true });
      await new Promise((resolve) => setImmediate(resolve));
      await reservation.reconcile(actualUsd);
    };
    for (let index = 0; index < 5; index++) await call(0.0005); // the first in Redis, then a block in Redis
    redis.kill();
    for (let index = 0; index < 20; index++) await call(0.0005); // from the block, then the local ledger
    redis.restore();
    for (let index = 0; index < 5; index++) await call(0.0005);
    await guard.close();
    await store.flush();
    const day = { key: `day:${new Date().toISOString().slice(0, 10)}`, limit: 1e9, expiresAt: Date.now() + 86_400_000 };
    expect(await redis.inner.totals([day], Date.now())).toEqual([{ key: day.key, spent: 30 * 500_000, reserved: 0 }]);
    expect(await redis.inner.releaseAbandoned('host:1/')).toBe(0);
  });
});
