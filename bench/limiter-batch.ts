/**
 * A provider's rate limiter over the machine-state SQLite store (issue 17): CPU and wall time per
 * admitted call when many calls wait at once, with the queue drained one `acquire` per store
 * round trip (the baseline: the store without `acquireMany`, as before) against one `acquireMany`
 * per batch of waiters, same run, same file. Both grant exactly the same (checked: the bucket's
 * level after each round is equal). CPU time from process.cpuUsage.
 *
 *   node --import tsx bench/limiter-batch.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMachineState } from '../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteRateLimitStore } from '../src/infrastructure/machine-state/sqlite-rate-limit-store.js';
import { RateLimiter } from '../src/providers/rate-limit/rate-limiter.js';
import type { RateLimitStore } from '../src/providers/rate-limit/rate-limit-store.js';

const CALLS = Number(process.env.CALLS ?? 5_000);
const ROUNDS = 3;
const directory = mkdtempSync(join(tmpdir(), 'fortitude-limiter-batch-'));
const database = openMachineState({ path: join(directory, 'shared-state.db') });
const store = new SqliteRateLimitStore(database);
/** The same store without `acquireMany`: the limiter falls back to one `acquire` per waiter. */
const oneByOne: RateLimitStore = {
  acquire: (...args) => store.acquire(...args),
  adjust: (...args) => store.adjust(...args),
  clamp: (...args) => store.clamp(...args),
  blockUntil: (...args) => store.blockUntil(...args),
  peek: (...args) => store.peek(...args),
  close: () => Promise.resolve(),
};
// Limits far above what the run takes: they never bind, every acquire still books (a burst that holds
// what a timer wake-up accrues; see the request bucket in rate-limiter.ts).
const LIMITS = { requestsPerMinute: 100_000_000, tokensPerMinute: 100_000_000_000, burstAllowance: 1_000_000 };

async function run(label: string, limiterStore: RateLimitStore, inFlight: number): Promise<{ cpuUs: number; wallUs: number }> {
  const limiter = new RateLimiter(`bench-${label}-${inFlight}`, LIMITS, { store: limiterStore });
  const call = async () => {
    const permit = await limiter.acquire(40);
    permit.release();
  };
  for (let index = 0; index < 500; index++) await call();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < CALLS) await call();
    }),
  );
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await limiter.close();
  return { cpuUs: (used.user + used.system) / CALLS, wallUs: (wall * 1000) / CALLS };
}

const lines = ['| waiters | round | one acquire per waiter: CPU µs / wall µs per call | acquireMany: CPU µs / wall µs per call | CPU ratio |', '|---:|---:|---:|---:|---:|'];
try {
  for (const inFlight of [1, 8, 64]) {
    for (let round = 0; round < ROUNDS; round++) {
      const before = await run('one', oneByOne, inFlight);
      const after = await run('many', store, inFlight);
      lines.push(`| ${inFlight} | ${round} | ${before.cpuUs.toFixed(1)} / ${before.wallUs.toFixed(1)} | ${after.cpuUs.toFixed(1)} / ${after.wallUs.toFixed(1)} | ${(after.cpuUs / before.cpuUs).toFixed(2)}× |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  database.close();
  rmSync(directory, { recursive: true, force: true });
}
