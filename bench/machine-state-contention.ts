/**
 * The machine-state file under contention: N processes (as `serve --workers N` would be), each
 * running budget reserve + reconcile pairs with 16 in flight for a few seconds against one
 * shared ledger. Reports pairs per second for the machine and the p50 / p99 / max latency of a
 * pair: a process that finds the write lock taken waits in SQLite's busy handler (sleeps of
 * 1, 2, 5… ms, synchronously), which is what this measures.
 *
 *   node --import tsx bench/machine-state-contention.ts [processes=4] [seconds=3]
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openMachineState } from '../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteBudgetStore } from '../src/infrastructure/machine-state/sqlite-budget-store.js';
import type { BudgetPeriod } from '../src/infrastructure/budget/budget-store.js';

interface Report {
  pairs: number;
  latenciesMs: number[];
}

if (process.argv[2] === 'child') {
  const [path, seconds] = [process.argv[3]!, Number(process.argv[4])];
  const store = new SqliteBudgetStore(openMachineState({ path }), { ownsDatabase: true });
  const periods: BudgetPeriod[] = [
    { key: 'day:bench', limit: Number.MAX_SAFE_INTEGER, expiresAt: Date.now() + 86_400_000 },
    { key: 'month:bench', limit: Number.MAX_SAFE_INTEGER, expiresAt: Date.now() + 86_400_000 },
  ];
  const report: Report = { pairs: 0, latenciesMs: [] };
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const id = randomUUID();
        await store.reserve({ id, amount: 1_000, periods, enforce: true, expiresAt: Date.now() + 600_000, now: Date.now() });
        await store.reconcile(id, periods, 500, Date.now());
        report.pairs += 1;
        report.latenciesMs.push(performance.now() - started);
      }
    }),
  );
  await store.close();
  process.send!(report);
} else {
  const processes = Number(process.argv[2] ?? 4);
  const seconds = Number(process.argv[3] ?? 3);
  const directory = mkdtempSync(join(tmpdir(), 'fortitude-contention-'));
  const path = join(directory, 'shared-state.db');
  openMachineState({ path }).close();
  const reports = await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<Report>((resolve) => {
          const child = fork(fileURLToPath(import.meta.url), ['child', path, String(seconds)], { execArgv: process.execArgv });
          child.once('message', (report) => resolve(report as Report));
        }),
    ),
  );
  const latencies = reports.flatMap((report) => report.latenciesMs).sort((a, b) => a - b);
  const pairs = reports.reduce((sum, report) => sum + report.pairs, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!.toFixed(2);
  console.log(`${processes} processes × 16 in flight, ${seconds} s: ${Math.round(pairs / seconds)} reserve+reconcile pairs/s for the machine; pair latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  rmSync(directory, { recursive: true, force: true });
}
