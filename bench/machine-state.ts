/**
 * Cost per provider call of the embedded shared state (issue 14.2): what a budget reservation
 * (reserve + reconcile), a rate-limit acquire, and a learned-routing observation cost on the
 * machine-state SQLite file (shared by every process of the machine, WAL, synchronous=NORMAL)
 * against the in-memory stores (one process only) in the same run. Sequential (one in flight),
 * one and 64 in flight (concurrent calls of one worker: their steps share a transaction). CPU
 * time from process.cpuUsage.
 *
 *   node --import tsx bench/machine-state.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { openMachineState } from '../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteRoutingJournal } from '../src/infrastructure/machine-state/routing-journal.js';
import { SqliteBudgetStore } from '../src/infrastructure/machine-state/sqlite-budget-store.js';
import { SqliteRateLimitStore } from '../src/infrastructure/machine-state/sqlite-rate-limit-store.js';
import { TransactionBatcher } from '../src/infrastructure/machine-state/transaction-batcher.js';
import type { BudgetPeriod, BudgetStore } from '../src/infrastructure/budget/budget-store.js';
import { MemoryBudgetStore } from '../src/pipeline/budget/memory-budget-store.js';
import { createBudgetGuard, type BudgetGuard } from '../src/pipeline/budget/budget-guard.js';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from '../src/pipeline/budget/budget-policy.js';
import { MemoryRateLimitStore } from '../src/providers/rate-limit/memory-rate-limit-store.js';
import type { BucketSpec, RateLimitStore } from '../src/providers/rate-limit/rate-limit-store.js';

const OPERATIONS = 20_000;
const ROUNDS = 3;

async function timed(operation: () => Promise<unknown> | void, inFlight = 1): Promise<{ wallUs: number; cpuUs: number }> {
  for (let index = 0; index < 500; index++) await operation(); // warm-up, one in flight
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < OPERATIONS) await operation();
    }),
  );
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallUs: (wall * 1000) / OPERATIONS, cpuUs: (used.user + used.system) / OPERATIONS };
}

const periods: BudgetPeriod[] = [
  { key: 'day:bench', limit: Number.MAX_SAFE_INTEGER, expiresAt: Date.now() + 86_400_000 },
  { key: 'month:bench', limit: Number.MAX_SAFE_INTEGER, expiresAt: Date.now() + 86_400_000 },
];
const budgetCall = (store: BudgetStore) => async () => {
  const id = randomUUID();
  const now = Date.now();
  await store.reserve({ id, amount: 1_000_000, periods, enforce: true, expiresAt: now + 600_000, now });
  await store.reconcile(id, periods, 500_000, now);
};
/** The budget guard as `serve` builds it (seed limits and actions), over `store`; `lease`: draw calls from a leased block. */
const guardOver = (store: BudgetStore, lease: boolean): BudgetGuard =>
  createBudgetGuard(
    { dailyBudgetUsd: 1_000_000, monthlyBudgetUsd: 25_000_000, thresholds: parseBudgetActions(DEFAULT_BUDGET_ACTIONS), alertFractions: { day: [0.8], month: [0.9] }, hardLimits: true, lease: { enabled: lease } },
    { store },
  );
const guardCall = (guard: BudgetGuard) => async () => {
  const reservation = await guard.reserve({ provider: 'openai', model: 'gpt-4o-mini', price: { input_per_million: 0.15, output_per_million: 0.6 }, inputTokens: 120, maxOutputTokens: 1_024 });
  await reservation.reconcile(0.0001);
};
const buckets: BucketSpec[] = [
  { name: 'requests', capacity: 1e12, refillPerMs: 1e6 },
  { name: 'tokens', capacity: 1e15, refillPerMs: 1e9 },
];
const rateCall = (store: RateLimitStore) => async () => {
  await store.acquire('openai', buckets, { requests: 1, tokens: 800 }, Date.now());
};

const directory = mkdtempSync(join(tmpdir(), 'fortitude-machine-state-bench-'));
const database = openMachineState({ path: join(directory, 'shared-state.db') });
const journal = new SqliteRoutingJournal(database, { retainCallsMs: 3_600_000, flushIntervalMs: 3_600_000 });
journal.subscribe(() => undefined);
const observation = { kind: 'call', provider: 'openai', researchType: 'implementation', at: Date.now(), ok: true, latencyMs: 120, costUsd: 0.001 } as const;

const table = new Table({ head: ['operation per provider call', 'store', 'in flight', 'wall µs', 'CPU µs', 'CPU ÷ memory'], style: { head: [], border: [] } });
const batcher = new TransactionBatcher(database);
for (let round = 1; round <= ROUNDS; round++) {
  for (const inFlight of [1, 64]) {
    const memoryBudget = await timed(budgetCall(new MemoryBudgetStore()), inFlight);
    const sqliteBudget = await timed(budgetCall(new SqliteBudgetStore(database, { batcher })), inFlight);
    const perCallGuard = guardOver(new SqliteBudgetStore(database, { batcher }), false);
    const leasedGuard = guardOver(new SqliteBudgetStore(database, { batcher }), true);
    const perCall = await timed(guardCall(perCallGuard), inFlight);
    const leased = await timed(guardCall(leasedGuard), inFlight);
    await Promise.all([perCallGuard.close(), leasedGuard.close()]);
    const memoryRate = await timed(rateCall(new MemoryRateLimitStore()), inFlight);
    const sqliteRate = await timed(rateCall(new SqliteRateLimitStore(database, { batcher })), inFlight);
    table.push(
      [`budget reserve + reconcile (round ${round})`, 'memory', inFlight, memoryBudget.wallUs.toFixed(2), memoryBudget.cpuUs.toFixed(2), '1'],
      ['', 'sqlite file', inFlight, sqliteBudget.wallUs.toFixed(2), sqliteBudget.cpuUs.toFixed(2), (sqliteBudget.cpuUs / memoryBudget.cpuUs).toFixed(1)],
      [`budget guard reserve + reconcile (round ${round}); last column: ÷ per call`, 'sqlite file, per call', inFlight, perCall.wallUs.toFixed(2), perCall.cpuUs.toFixed(2), '1'],
      ['', 'sqlite file, leased block', inFlight, leased.wallUs.toFixed(2), leased.cpuUs.toFixed(2), (leased.cpuUs / perCall.cpuUs).toFixed(2)],
      [`rate-limit acquire (round ${round})`, 'memory', inFlight, memoryRate.wallUs.toFixed(2), memoryRate.cpuUs.toFixed(2), '1'],
      ['', 'sqlite file', inFlight, sqliteRate.wallUs.toFixed(2), sqliteRate.cpuUs.toFixed(2), (sqliteRate.cpuUs / memoryRate.cpuUs).toFixed(1)],
    );
  }
  // Publishing is a push onto a buffer; the write happens once a second for the whole batch.
  const publish = await timed(() => journal.publish(observation));
  const flushStarted = process.cpuUsage();
  journal.flush();
  const flushCpu = process.cpuUsage(flushStarted);
  const flushPerObservation = (flushCpu.user + flushCpu.system) / (OPERATIONS + 500);
  table.push([`learned-routing observation (round ${round})`, 'publish + share of the once-a-second flush', 1, (publish.wallUs + flushPerObservation).toFixed(2), (publish.cpuUs + flushPerObservation).toFixed(2), '—']);
}
console.log(`${OPERATIONS} sequential operations per row, ${ROUNDS} rounds; file ${join(directory, 'shared-state.db')} (WAL, synchronous=NORMAL)`);
console.log(table.toString());
await journal.close();
database.close();
rmSync(directory, { recursive: true, force: true });
