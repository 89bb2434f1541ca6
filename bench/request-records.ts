/**
 * CPU and wall time per request record written through `providerRequests.insertMany` (what the
 * request recorder's BatchedWriter calls every 250 ms or 200 records) on a temp-file SQLite
 * database, in batches of `--batch` (default 200): the per-request cost of keeping the
 * `provider_requests` table, and the wall time of each batch (how long one flush holds the serving
 * thread: p50, p99 and the longest, which is a batch whose commit ran a WAL checkpoint). Compare two
 * commits by running it on each, alternating.
 *
 *   node --import tsx bench/request-records.ts [--batch 200] [--rows 40000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
const storage = await createDatabase({ sqlitePath: join(directory, 'records.db') });
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
const started = performance.now();
const flushes: number[] = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const batch = batchOf(start);
  const flushStarted = performance.now();
  await storage.providerRequests.insertMany(batch);
  flushes.push(performance.now() - flushStarted);
}
const used = process.cpuUsage(cpu);
flushes.sort((a, b) => a - b);
const percentile = (p: number) => flushes[Math.min(flushes.length - 1, Math.ceil(p * flushes.length) - 1)]!.toFixed(2);
console.log(
  `batches of ${BATCH}: ${((used.user + used.system) / ROWS).toFixed(1)} µs CPU and ${(((performance.now() - started) * 1000) / ROWS).toFixed(1)} µs wall per record; a batch's wall p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms, max ${percentile(1)} ms (${ROWS} records; load average ${loadavg()[0]!.toFixed(1)})`,
);
await storage.close();
rmSync(directory, { recursive: true, force: true });
