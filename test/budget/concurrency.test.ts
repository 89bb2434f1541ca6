import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMachineState } from '../../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteBudgetStore } from '../../src/infrastructure/machine-state/sqlite-budget-store.js';
import type { BudgetStore } from '../../src/infrastructure/budget/budget-store.js';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';
import { RedisBudgetStore } from '../../src/infrastructure/redis/redis-budget-store.js';
import { createBudgetGuard } from '../../src/pipeline/budget/budget-guard.js';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from '../../src/pipeline/budget/budget-policy.js';
import { FortitudeError } from '../../src/core/errors.js';
import type { BudgetLoadOptions, BudgetLoadResult } from './fixtures/budget-load.js';
import { runBudgetLoad } from './fixtures/budget-load.js';
import { connectRedis, deleteKeys, REDIS_URL, uniqueKeyPrefix } from '../support/redis-helpers.js';

const BUDGET_LOAD = fileURLToPath(new URL('./fixtures/budget-load.ts', import.meta.url));
const RATE_LOAD = fileURLToPath(new URL('./fixtures/rate-limit-load.ts', import.meta.url));

/** 500 calls of up to 0.01 USD against a 1 USD budget: about 100 fit at their worst case. */
const LOAD: Omit<BudgetLoadOptions, 'seed' | 'periodKey'> = { requests: 500, limit: 1_000_000_000, maxReserve: 10_000_000, attempts: 30 };

function runChild<T>(script: string, options: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

let redis: Redis;
const cleanups: string[] = [];
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  for (const pattern of cleanups) await deleteKeys(redis, pattern);
  await redis.quit();
});

function expectWithinBudget(result: BudgetLoadResult, spent: number) {
  expect(result.maxCommitted).toBeLessThanOrEqual(LOAD.limit);
  expect(spent).toBeLessThanOrEqual(LOAD.limit);
  expect(spent).toBe(result.actualSum); // every reconciled nano-dollar is booked, exactly once
  expect(result.admitted).toBeGreaterThan(100); // released headroom was reused
  expect(result.admitted + result.refused).toBe(LOAD.requests);
}

describe('a budget under 500 concurrent calls never overspends', () => {
  const stores: [string, () => BudgetStore][] = [
    ['memory', () => new MemoryBudgetStore()],
    ['sqlite', () => new SqliteBudgetStore(openMachineState({ path: ':memory:' }), { ownsDatabase: true })],
    [
      'redis',
      () => {
        const tag = uniqueKeyPrefix('budget-load');
        cleanups.push(`{${tag}}*`);
        return new RedisBudgetStore(redis, { hashTag: tag });
      },
    ],
  ];

  it.each(stores)('one process, %s store', async (_name, create) => {
    const store = create();
    const result = await runBudgetLoad(store, { ...LOAD, seed: 11, periodKey: 'day:load' });
    const [totals] = await store.totals([{ key: 'day:load', limit: LOAD.limit, expiresAt: Date.now() + 60_000 }], Date.now());
    expect(totals!.reserved).toBe(0);
    expectWithinBudget(result, totals!.spent);
  });

  it('two processes sharing one Redis budget', async () => {
    const hashTag = uniqueKeyPrefix('budget-two-processes');
    cleanups.push(`{${hashTag}}*`);
    // 200 calls each: together (~1.1 USD of actual cost, ~1.5 USD of worst cases in flight) they
    // contend for the 1 USD limit, but one alone cannot spend it all, so a process the scheduler
    // starts late on a loaded machine still gets some calls in (with 500 each, the first could
    // spend the whole budget before the second ran, and `admitted > 0` failed once in CI).
    const options = { ...LOAD, requests: 200, periodKey: 'day:shared', hashTag, redisUrl: REDIS_URL, parties: 2 };
    const [first, second] = await Promise.all([
      runChild<BudgetLoadResult>(BUDGET_LOAD, { ...options, seed: 1 }),
      runChild<BudgetLoadResult>(BUDGET_LOAD, { ...options, seed: 2 }),
    ]);
    const store = new RedisBudgetStore(redis, { hashTag });
    const [totals] = await store.totals([{ key: 'day:shared', limit: LOAD.limit, expiresAt: Date.now() + 60_000 }], Date.now());
    expect(first!.admitted).toBeGreaterThan(0);
    expect(second!.admitted).toBeGreaterThan(0);
    expect(Math.max(first!.maxCommitted, second!.maxCommitted)).toBeLessThanOrEqual(LOAD.limit);
    expect(totals).toMatchObject({ reserved: 0 });
    expect(totals!.spent).toBeLessThanOrEqual(LOAD.limit);
    expect(totals!.spent).toBe(first!.actualSum + second!.actualSum);
    expect(first!.admitted + second!.admitted).toBeGreaterThan(100);
  });

  it('through the budget guard (actions on), with a Redis ledger', async () => {
    const tag = uniqueKeyPrefix('budget-guard-load');
    cleanups.push(`{${tag}}*`);
    const store = new RedisBudgetStore(redis, { hashTag: tag });
    const price = { input_per_million: 10, output_per_million: 10 }; // 1 000 output tokens = 0.01 USD
    const guard = createBudgetGuard(
      {
        dailyBudgetUsd: 1,
        monthlyBudgetUsd: 1_000,
        alertFractions: { day: [0.8], month: [0.9] },
        hardLimits: true,
        thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS),
        inputTokenMargin: 1,
      },
      { store },
    );
    let admitted = 0;
    let actualSum = 0;
    const codes = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 500 }, async (_, index) => {
        try {
          const reservation = await guard.reserve({ provider: 'p', model: 'm', price, inputTokens: 0, maxOutputTokens: 1_000, urgent: index % 2 === 0 });
          admitted += 1;
          const actual = reservation.reservedUsd * ((index % 10) / 10);
          actualSum += actual;
          await reservation.reconcile(actual);
        } catch (error) {
          const code = error instanceof FortitudeError ? error.code : 'other';
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }),
    );
    const state = await guard.refresh();
    expect(admitted).toBeGreaterThanOrEqual(100);
    expect(state.day.reservedUsd).toBe(0);
    expect(state.day.spentUsd).toBeLessThanOrEqual(1);
    expect(state.day.spentUsd).toBeCloseTo(actualSum, 6);
    expect(codes.get('other')).toBeUndefined();
  });
});

describe('a provider rate limit shared through Redis by two processes', () => {
  it('admits exactly the bucket (100 per minute) across both at a fixed instant', async () => {
    const keyPrefix = uniqueKeyPrefix('rate-two-processes');
    cleanups.push(`${keyPrefix}:*`);
    const options = { redisUrl: REDIS_URL, keyPrefix, key: 'openai', mode: 'store', attempts: 300, requestsPerMinute: 100, now: Date.now(), parties: 2 };
    const results = await Promise.all([runChild<{ granted: number }>(RATE_LOAD, options), runChild<{ granted: number }>(RATE_LOAD, options)]);
    expect(results[0]!.granted + results[1]!.granted).toBe(100);
  });

  it('through the provider RateLimiter on the real clock: at most the limit plus what refilled meanwhile', async () => {
    const keyPrefix = uniqueKeyPrefix('rate-limiter-two-processes');
    cleanups.push(`${keyPrefix}:*`);
    const options = { redisUrl: REDIS_URL, keyPrefix, key: 'claude', mode: 'limiter', attempts: 300, requestsPerMinute: 100, now: 0, parties: 2 };
    const started = Date.now();
    const results = await Promise.all([runChild<{ granted: number }>(RATE_LOAD, options), runChild<{ granted: number }>(RATE_LOAD, options)]);
    const refilled = Math.floor(((Date.now() - started) * 100) / 60_000);
    const total = results[0]!.granted + results[1]!.granted;
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total).toBeLessThanOrEqual(100 + refilled);
  });
});
