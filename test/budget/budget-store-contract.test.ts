import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMachineState } from '../../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteBudgetStore } from '../../src/infrastructure/machine-state/sqlite-budget-store.js';
import type { BudgetPeriod, BudgetStore } from '../../src/infrastructure/budget/budget-store.js';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';
import { RedisBudgetStore } from '../../src/infrastructure/redis/redis-budget-store.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

const NOW = Date.UTC(2025, 4, 10, 12);
const day = (limit: number): BudgetPeriod => ({ key: 'day:2025-05-10', limit, expiresAt: NOW + 86_400_000 });
const month = (limit: number): BudgetPeriod => ({ key: 'month:2025-05', limit, expiresAt: NOW + 40 * 86_400_000 });

let redis: Redis;
const tags: string[] = [];
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  for (const tag of tags) await deleteKeys(redis, `{${tag}}*`);
  await redis.quit();
});

const implementations: [string, () => BudgetStore][] = [
  ['sqlite', () => new SqliteBudgetStore(openMachineState({ path: ':memory:' }), { ownsDatabase: true })],
  ['memory', () => new MemoryBudgetStore()],
  [
    'redis',
    () => {
      const tag = uniqueKeyPrefix('budget-contract');
      tags.push(tag);
      return new RedisBudgetStore(redis, { hashTag: tag });
    },
  ],
];

describe.each(implementations)('BudgetStore contract: %s', (_name, create) => {
  it('grants within every limit and books the amount as reserved in all periods', async () => {
    const store = create();
    const periods = [day(1_000), month(10_000)];
    const result = await store.reserve({ id: 'a', amount: 600, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    expect(result).toEqual({ granted: true, totals: [{ key: 'day:2025-05-10', spent: 0, reserved: 600 }, { key: 'month:2025-05', spent: 0, reserved: 600 }] });
  });

  it('refuses a reservation that would pass one limit and books nothing anywhere', async () => {
    const store = create();
    const periods = [day(10_000), month(1_000)];
    await store.reserve({ id: 'a', amount: 600, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    const refused = await store.reserve({ id: 'b', amount: 500, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    expect(refused.granted).toBe(false);
    expect(refused.refusedBy).toBe('month:2025-05');
    expect(refused.totals.map((entry) => entry.reserved)).toEqual([600, 600]);
    expect((await store.reserve({ id: 'c', amount: 400, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(true);
  });

  it('reconciles to the actual cost, releasing the reservation; settles an id once', async () => {
    const store = create();
    const periods = [day(1_000), month(10_000)];
    await store.reserve({ id: 'a', amount: 600, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    const settled = await store.reconcile('a', periods, 250, NOW);
    expect(settled).toEqual({ found: true, totals: [{ key: 'day:2025-05-10', spent: 250, reserved: 0 }, { key: 'month:2025-05', spent: 250, reserved: 0 }] });
    const again = await store.release('a', periods, NOW);
    expect(again.found).toBe(false);
    expect(again.totals[0]).toEqual({ key: 'day:2025-05-10', spent: 250, reserved: 0 });
    // Money spent under an unknown (expired) reservation is still counted.
    expect((await store.reconcile('ghost', periods, 100, NOW)).totals[0]).toEqual({ key: 'day:2025-05-10', spent: 350, reserved: 0 });
    expect(await store.totals(periods, NOW)).toEqual([
      { key: 'day:2025-05-10', spent: 350, reserved: 0 },
      { key: 'month:2025-05', spent: 350, reserved: 0 },
    ]);
  });

  it('settlePart books spend out of a reservation it keeps; spend past it still counts; reconcile then releases the rest', async () => {
    const store = create();
    const periods = [day(1_000), month(10_000)];
    await store.reserve({ id: 'block', amount: 600, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    expect(await store.settlePart('block', periods, 100, NOW)).toEqual({
      found: true,
      totals: [{ key: 'day:2025-05-10', spent: 100, reserved: 500 }, { key: 'month:2025-05', spent: 100, reserved: 500 }],
    });
    // The kept 500 still counts against the limit.
    expect((await store.reserve({ id: 'b', amount: 401, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(false);
    // More than the reservation holds: it shrinks to 0, the whole amount is spent.
    expect((await store.settlePart('block', periods, 700, NOW)).totals[0]).toEqual({ key: 'day:2025-05-10', spent: 800, reserved: 0 });
    expect(await store.reconcile('block', periods, 50, NOW)).toEqual({
      found: true,
      totals: [{ key: 'day:2025-05-10', spent: 850, reserved: 0 }, { key: 'month:2025-05', spent: 850, reserved: 0 }],
    });
    expect((await store.release('block', periods, NOW)).found).toBe(false);
    // An unknown id still adds the spend.
    expect(await store.settlePart('ghost', periods, 10, NOW)).toMatchObject({ found: false, totals: [{ spent: 860, reserved: 0 }, { spent: 860, reserved: 0 }] });
  });

  it('releaseAbandoned frees what a partly settled reservation still holds', async () => {
    const store = create();
    const periods = [day(1_000), month(10_000)];
    await store.reserve({ id: 'host:7/block', amount: 600, periods, enforce: true, expiresAt: NOW + 600_000, now: NOW });
    await store.settlePart('host:7/block', periods, 250, NOW);
    expect(await store.releaseAbandoned('host:7/', periods, NOW)).toBe(1);
    expect(await store.totals(periods, NOW)).toEqual([
      { key: 'day:2025-05-10', spent: 250, reserved: 0 },
      { key: 'month:2025-05', spent: 250, reserved: 0 },
    ]);
  });

  it('release frees the whole reservation', async () => {
    const store = create();
    const periods = [day(1_000)];
    await store.reserve({ id: 'a', amount: 900, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    expect((await store.reserve({ id: 'b', amount: 200, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(false);
    await store.release('a', periods, NOW);
    expect((await store.reserve({ id: 'b', amount: 200, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(true);
  });

  it('sweeps expired reservations so a crashed caller does not hold budget forever', async () => {
    const store = create();
    const periods = [day(1_000)];
    await store.reserve({ id: 'lost', amount: 900, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW });
    expect((await store.reserve({ id: 'b', amount: 200, periods, enforce: true, expiresAt: NOW + 120_000, now: NOW + 59_000 })).granted).toBe(false);
    const later = await store.reserve({ id: 'c', amount: 200, periods, enforce: true, expiresAt: NOW + 200_000, now: NOW + 61_000 });
    expect(later).toMatchObject({ granted: true, totals: [{ spent: 0, reserved: 200 }] });
  });

  it('releaseAbandoned frees every reservation of a dead owner at once, and only those', async () => {
    const store = create();
    const periods = [day(1_000), month(10_000)];
    await store.reserve({ id: 'host:41/a', amount: 300, periods, enforce: true, expiresAt: NOW + 600_000, now: NOW });
    await store.reserve({ id: 'host:41/b', amount: 200, periods, enforce: true, expiresAt: NOW + 600_000, now: NOW });
    // Another owner whose name starts the same way (pid 410) keeps its reservation.
    await store.reserve({ id: 'host:410/c', amount: 100, periods, enforce: true, expiresAt: NOW + 600_000, now: NOW });
    expect(await store.releaseAbandoned('host:41/', periods, NOW + 1_000)).toBe(2);
    expect(await store.totals(periods, NOW + 1_000)).toEqual([
      { key: 'day:2025-05-10', spent: 0, reserved: 100 },
      { key: 'month:2025-05', spent: 0, reserved: 100 },
    ]);
    expect(await store.releaseAbandoned('host:41/', periods, NOW + 1_000)).toBe(0);
    // A late reconcile of a released reservation still counts the money, releasing nothing twice.
    expect((await store.reconcile('host:41/a', periods, 250, NOW + 2_000)).totals[0]).toEqual({ key: 'day:2025-05-10', spent: 250, reserved: 100 });
  });

  it('spend: checks the limit and books the amount as spent in one step, leaving no reservation', async () => {
    const store = create();
    const periods = [day(3)];
    const takes = [];
    for (const id of ['q1', 'q2', 'q3', 'q4']) takes.push(await store.reserve({ id, amount: 1, periods, enforce: true, expiresAt: NOW + 60_000, now: NOW, spend: true }));
    expect(takes.map((take) => take.granted)).toEqual([true, true, true, false]);
    expect(takes[2]!.totals).toEqual([{ key: 'day:2025-05-10', spent: 3, reserved: 0 }]);
    expect(takes[3]!.refusedBy).toBe('day:2025-05-10');
    // Nothing to settle or release: no reservation was booked.
    expect(await store.releaseAbandoned('q', periods, NOW + 1_000)).toBe(0);
    expect((await store.reconcile('q1', periods, 0, NOW)).found).toBe(false);
    expect(await store.totals(periods, NOW)).toEqual([{ key: 'day:2025-05-10', spent: 3, reserved: 0 }]);
  });

  it('never refuses unlimited periods or when not enforcing; handles amounts past 1e14 exactly', async () => {
    const store = create();
    const big = 123_456_789_012_345; // ≈ 123 456 USD in nano-USD
    expect((await store.reserve({ id: 'a', amount: big, periods: [day(-1)], enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(true);
    expect((await store.reserve({ id: 'b', amount: big, periods: [day(10)], enforce: false, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(true);
    const totals = await store.reconcile('a', [day(-1)], big + 1, NOW);
    expect(totals.totals[0]).toEqual({ key: 'day:2025-05-10', spent: big + 1, reserved: big });
  });
});
