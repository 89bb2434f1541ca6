/**
 * What a provider call's rate limiting costs through `RateLimiter` (acquire, settle with the
 * reported usage, release) over the machine-state SQLite file, with and without the lease layer
 * (`leased-rate-limit-store.ts`), against the in-memory store, in the same run; 1 and 64 calls in
 * flight (one worker's concurrent calls). Limits far from binding, as in `bench/gateway` (the
 * issue 17 case). CPU time from process.cpuUsage; wall time shows the event-loop turn each SQLite
 * step waits for (the batcher flushes on setImmediate).
 *
 *   node --import tsx bench/rate-limit-lease.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { openMachineState } from '../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteRateLimitStore } from '../src/infrastructure/machine-state/sqlite-rate-limit-store.js';
import { TransactionBatcher } from '../src/infrastructure/machine-state/transaction-batcher.js';
import { LeasedRateLimitStore } from '../src/providers/rate-limit/leased-rate-limit-store.js';
import { MemoryRateLimitStore } from '../src/providers/rate-limit/memory-rate-limit-store.js';
import type { RateLimitStore } from '../src/providers/rate-limit/rate-limit-store.js';
import { RateLimiter } from '../src/providers/rate-limit/rate-limiter.js';

const OPERATIONS = 20_000;
const ROUNDS = 3;
/** bench/gateway's UNBOUND_RATE_LIMIT. */
const LIMITS = { requestsPerMinute: 100_000_000, tokensPerMinute: 100_000_000_000, maxConcurrent: 100_000 };

async function timed(store: RateLimitStore, inFlight: number): Promise<{ wallUs: number; cpuUs: number }> {
  const limiter = new RateLimiter('openai', LIMITS, { store });
  const call = async () => {
    const permit = await limiter.acquire(800);
    permit.settle(950);
    permit.release();
  };
  for (let index = 0; index < 2_000; index++) await call(); // warm-up, one in flight
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < OPERATIONS) await call();
    }),
  );
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await limiter.close();
  return { wallUs: (wall * 1000) / OPERATIONS, cpuUs: (used.user + used.system) / OPERATIONS };
}

const directory = mkdtempSync(join(tmpdir(), 'fortitude-rate-lease-bench-'));
const database = openMachineState({ path: join(directory, 'shared-state.db') });
const batcher = new TransactionBatcher(database);
const table = new Table({ head: ['round', 'store', 'in flight', 'wall µs', 'CPU µs', 'CPU ÷ sqlite', 'wall ÷ sqlite'], style: { head: [], border: [] } });
for (let round = 1; round <= ROUNDS; round++) {
  for (const inFlight of [1, 64]) {
    const memory = await timed(new MemoryRateLimitStore(), inFlight);
    const sqlite = await timed(new SqliteRateLimitStore(database, { batcher }), inFlight);
    const leasedStore = new LeasedRateLimitStore(new SqliteRateLimitStore(database, { batcher }));
    const leased = await timed(leasedStore, inFlight);
    await leasedStore.close();
    const row = (name: string, result: { wallUs: number; cpuUs: number }) => [
      round,
      name,
      inFlight,
      result.wallUs.toFixed(2),
      result.cpuUs.toFixed(2),
      (result.cpuUs / sqlite.cpuUs).toFixed(2),
      (result.wallUs / sqlite.wallUs).toFixed(2),
    ];
    table.push(row('memory', memory), row('sqlite file', sqlite), row('sqlite file, leased', leased));
  }
}
console.log(`${OPERATIONS} calls (acquire + settle + release through RateLimiter) per row, ${ROUNDS} rounds; file ${join(directory, 'shared-state.db')}`);
console.log(table.toString());
database.close();
rmSync(directory, { recursive: true, force: true });
