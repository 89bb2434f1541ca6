/**
 * CPU and wall time per request record written through `providerRequests.insertMany` (what the
 * request recorder's BatchedWriter calls every 250 ms or 200 records) on a temp-file SQLite
 * database, in batches of `--batch` (default 200): the per-request cost of keeping the
 * `provider_requests` table, and per batch its wall time and how long it holds the calling thread
 * in one piece (a flush on the serving thread: p50, p99 and the longest, a batch whose commit ran a
 * WAL checkpoint). Compare two commits by running it on each, alternating.
 *
 * `--thread`: the batches are written by the SQLite writer thread (`serve`'s setting,
 * `sqliteWriterThread`); the calling thread's CPU over the run is printed apart from the process's
 * (Linux: `/proc/thread-self/schedstat`), and a batch's wall time is the round trip.
 *
 *   node --import tsx bench/request-records.ts [--batch 200] [--rows 40000] [--thread]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../src/infrastructure/storage/create-database.js';
import type { ProviderRequestInput } from '../src/infrastructure/storage/repositories/provider-requests.js';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const BATCH = option('--batch', 200);
const ROWS = option('--rows', 40_000);
const directory = mkdtempSync(join(tmpdir(), 'fortitude-records-'));
const THREAD = process.argv.includes('--thread');
const storage = await createDatabase({ sqlitePath: join(directory, 'records.db'), sqliteWriterThread: THREAD });
/** This thread's CPU time in µs (Linux), or undefined. */
const threadCpuMicros = () => {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
};
await storage.migrate();
const record = (index: number): ProviderRequestInput => ({
  provider: 'fake',
  model: 'gpt-4o-mini',
  latencyMs: 12.3,
  inputTokens: 24,
  outputTokens: 14,
  costUsd: 0.00001,
  status: 'ok',
  researchType: 'implementation',
  requestId: `request-${index}`,
});
const batchOf = (start: number) => Array.from({ length: BATCH }, (_, offset) => record(start + offset));
for (let index = 0; index < 5; index += 1) await storage.providerRequests.insertMany(batchOf(index * BATCH)); // warm-up
const cpu = process.cpuUsage();
const threadCpu = threadCpuMicros();
const started = performance.now();
const flushes: number[] = [];
/**
 * How long each batch holds the calling thread in one piece: in the caller's thread the whole
 * batch (the SQLite call is synchronous; nothing else runs here meanwhile), with `--thread` the
 * synchronous part of the call (the rows built and handed over).
 */
const holds: number[] = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const batch = batchOf(start);
  const flushStarted = performance.now();
  const written = storage.providerRequests.insertMany(batch);
  const handedOver = performance.now();
  await written;
  flushes.push(performance.now() - flushStarted);
  holds.push(THREAD ? handedOver - flushStarted : performance.now() - flushStarted);
}
const used = process.cpuUsage(cpu);
const threadUsed = threadCpu === undefined ? undefined : threadCpuMicros()! - threadCpu;
const percentiles = (values: number[]) => {
  values.sort((a, b) => a - b);
  const at = (p: number) => values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]!.toFixed(2);
  return `p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)} ms`;
};
console.log(
  `batches of ${BATCH}${THREAD ? ' (writer thread)' : ''}: ${((used.user + used.system) / ROWS).toFixed(1)} µs CPU per record${threadUsed === undefined ? '' : ` (${(threadUsed / ROWS).toFixed(1)} in the calling thread)`}, ${(((performance.now() - started) * 1000) / ROWS).toFixed(1)} µs wall; a batch's wall ${percentiles(flushes)}; it holds the calling thread ${percentiles(holds)} (${ROWS} records; load average ${loadavg()[0]!.toFixed(1)})`,
);
await storage.close();
rmSync(directory, { recursive: true, force: true });
