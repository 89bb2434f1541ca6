/**
 * Cost of budget enforcement per request: one reserve and one reconcile, on the in-memory ledger
 * (baseline) and on Redis (one Lua script each, shared by replicas), sequential and 64 in flight.
 * Also checks the ledger's promise under that load: spend never passes the limit.
 *
 *   node --import tsx bench/routing-budget.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Table from 'cli-table3';
import { Redis } from 'ioredis';
import type { BudgetPeriod, BudgetStore } from '../src/infrastructure/budget/budget-store.js';
import { MemoryBudgetStore } from '../src/pipeline/budget/memory-budget-store.js';
import { RedisBudgetStore } from '../src/infrastructure/redis/redis-budget-store.js';

const OPERATIONS = 10_000;
const LIMIT = 5_000_000_000; // 5 USD in nano-USD
const RESERVE = 1_000_000; // 0.001 USD worst case per call

async function measure(store: BudgetStore, concurrency: number) {
  const periods: BudgetPeriod[] = [
    { key: `day:bench-${concurrency}`, limit: LIMIT, expiresAt: Date.now() + 3_600_000 },
    { key: `month:bench-${concurrency}`, limit: LIMIT * 30, expiresAt: Date.now() + 3_600_000 },
  ];
  const latencies: number[] = [];
  let maxCommitted = 0;
  let refused = 0;
  let next = 0;
  const worker = async () => {
    while (next < OPERATIONS) {
      next += 1;
      const started = performance.now();
      const id = randomUUID();
      const result = await store.reserve({ id, amount: RESERVE, periods, enforce: true, expiresAt: Date.now() + 60_000, now: Date.now() });
      if (result.granted) {
        const settled = await store.reconcile(id, periods, RESERVE / 2, Date.now());
        maxCommitted = Math.max(maxCommitted, settled.totals[0]!.spent + settled.totals[0]!.reserved);
      } else refused += 1;
      maxCommitted = Math.max(maxCommitted, result.totals[0]!.spent + result.totals[0]!.reserved);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const [totals] = await store.totals(periods, Date.now());
  return {
    perSecond: OPERATIONS / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    refused,
    withinLimit: maxCommitted <= LIMIT && totals!.spent <= LIMIT,
  };
}

const redis = new Redis('redis://127.0.0.1:6379');
const hashTag = `fortitude:bench:${randomBytes(4).toString('hex')}`;
const table = new Table({ head: ['ledger', 'in flight', 'reserve+reconcile / s', 'p50 ms', 'p99 ms', 'refused', 'spend ≤ limit', 'throughput ÷ memory'], style: { head: [], border: [] } });
for (const concurrency of [1, 64]) {
  const memory = await measure(new MemoryBudgetStore(), concurrency);
  const shared = await measure(new RedisBudgetStore(redis, { hashTag }), concurrency);
  for (const [name, result] of [['memory', memory], ['redis (Lua)', shared]] as const) {
    table.push([name, concurrency, Math.round(result.perSecond), result.p50.toFixed(3), result.p99.toFixed(3), result.refused, result.withinLimit ? 'yes' : 'NO', (result.perSecond / memory.perSecond).toFixed(3)]);
  }
}
console.log(`${OPERATIONS} calls per row; a 5 USD limit, 0.001 USD reserved and 0.0005 USD spent per call (10 000 × 0.0005 USD = the limit: the last calls are refused)`);
console.log(table.toString());
let cursor = '0';
do {
  const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `{${hashTag}}*`, 'COUNT', 500);
  cursor = nextCursor;
  if (keys.length > 0) await redis.del(...keys);
} while (cursor !== '0');
await redis.quit();
