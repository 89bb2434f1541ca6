/**
 * What a request pays to queue its records while their store is away (layer benchmark: the
 * buffers alone, no server). Every `fortitude serve` request adds a request record to a
 * `BatchedWriter` (bounded at 50,000 during a database outage) and, on the gateway path, a call
 * observation to the routing journal's `PendingObservations` (bounded at 10,000 between two
 * flushes a second apart, so a process answering more than 10,000 calls a second reaches it every
 * second). Past the bound the oldest entry goes for each new one.
 *
 * Baseline in the same run: the same buffer far below its bound (normal operation). The ratio
 * full ÷ baseline is what a full buffer multiplies the queueing cost by; before the ring buffers
 * (a `splice` of the whole array per entry) it was ~95 µs for the writer and ~30 µs for the
 * observations per entry.
 *
 *   node --import tsx bench/outage-buffers.ts [--entries 200000]
 */
import { PendingObservations, type LearnedObservation } from '../src/infrastructure/routing/learned-state.js';
import { BatchedWriter } from '../src/infrastructure/storage/batched-writer.js';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const ENTRIES = Number(option('--entries') ?? 200_000);
const ROUNDS = 5;

interface Row {
  buffer: string;
  baselineNs: number;
  fullNs: number;
}

/** ns per call of `add` over `count` calls, best of ROUNDS (the least disturbed). */
function timePerCall(count: number, add: (index: number) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index++) add(index);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / count);
  }
  return best;
}

const record = (index: number) => ({ provider: 'openai', model: 'gpt-4o-mini', latencyMs: index % 97, status: 'ok' as const });

async function writerRow(): Promise<Row> {
  const maxBuffered = 50_000;
  // Baseline: a healthy store, so the buffer never holds more than a batch.
  const healthy = new BatchedWriter({ write: async () => undefined, maxBuffered, flushIntervalMs: 60_000 });
  const baselineNs = timePerCall(ENTRIES, (index) => healthy.add(record(index)));
  await healthy.close();
  // The store is down: every write fails (retried with backoff), the buffer fills to its bound.
  const down = new BatchedWriter({ write: async () => Promise.reject(new Error('database down')), maxBuffered, flushIntervalMs: 60_000, maxBackoffMs: 60_000 });
  for (let index = 0; index < maxBuffered; index++) down.add(record(index));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const fullNs = timePerCall(ENTRIES, (index) => down.add(record(index)));
  const { buffered, dropped } = down.stats();
  if (buffered !== maxBuffered || dropped < ENTRIES) throw new Error(`the outage buffer should be full and dropping: ${buffered} buffered, ${dropped} dropped`);
  await down.close();
  return { buffer: 'BatchedWriter.add (request records), 50,000 bound', baselineNs, fullNs };
}

function pendingRow(): Row {
  const limit = 10_000;
  const call = (index: number): LearnedObservation => ({ kind: 'call', provider: 'openai', researchType: 'gateway', at: index, ok: true, latencyMs: 3, costUsd: 0 });
  // Baseline: taken (written) every 1,000 entries, far below the bound.
  const flushed = new PendingObservations(limit);
  const baselineNs = timePerCall(ENTRIES, (index) => {
    flushed.push(call(index));
    if (index % 1_000 === 999) flushed.take();
  });
  const full = new PendingObservations(limit);
  for (let index = 0; index < limit; index++) full.push(call(index));
  const fullNs = timePerCall(ENTRIES, (index) => full.push(call(index)));
  if (full.take().length !== limit) throw new Error('the pending observations should hold exactly their limit');
  return { buffer: 'PendingObservations.push (routing journal), 10,000 bound', baselineNs, fullNs };
}

const rows = [await writerRow(), pendingRow()];
process.stdout.write(`${ENTRIES} entries per round, best of ${ROUNDS} rounds; node ${process.version}\n\n`);
process.stdout.write('| buffer | below its bound, ns/entry | full (oldest dropped per entry), ns/entry | full ÷ below |\n|---|---|---|---|\n');
for (const row of rows) process.stdout.write(`| ${row.buffer} | ${row.baselineNs.toFixed(0)} | ${row.fullNs.toFixed(0)} | ${(row.fullNs / row.baselineNs).toFixed(2)}× |\n`);
