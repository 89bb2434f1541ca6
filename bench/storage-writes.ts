/**
 * Storage write paths on both engines: provider-request accounting written one row per
 * transaction (baseline) against `insertMany` batches, plus concurrent pattern upserts and
 * full-text search latency. Loopback PostgreSQL, temp-file SQLite; bounded to a few seconds.
 *
 *   node --import tsx bench/storage-writes.ts            (PostgreSQL at TEST_DATABASE_URL or the local default)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDatabase } from '../src/infrastructure/storage/create-database.js';
import type { ProviderRequestInput } from '../src/infrastructure/storage/repositories/provider-requests.js';
import type { Storage } from '../src/infrastructure/storage/storage.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = 2_000;
const BATCH = 200;
const UPSERTS = 2_000;
const SEARCHES = 200;

const request = (index: number): ProviderRequestInput => ({
  provider: `p${index % 3}`,
  model: 'm',
  latencyMs: index % 900,
  inputTokens: 100,
  outputTokens: 50,
  costUsd: 0.0001,
  status: 'ok',
  userId: `u${index % 7}`,
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function measure(storage: Storage): Promise<Record<string, number>> {
  const single = await timed(async () => {
    for (let index = 0; index < ROWS; index++) await storage.providerRequests.insertMany([request(index)]);
  });
  const batched = await timed(async () => {
    for (let start = 0; start < ROWS; start += BATCH) {
      await storage.providerRequests.insertMany(Array.from({ length: BATCH }, (_, offset) => request(start + offset)));
    }
  });
  const upsert = (index: number) => storage.patterns.upsert({ patternType: 'bench', patternKey: `k${index % 20}`, success: true });
  const upserts = await timed(() => Promise.all(Array.from({ length: UPSERTS }, (_, index) => upsert(index))));
  for (let index = 0; index < 500; index++) {
    await storage.researchResults.insert({
      query: `question ${index} about ${index % 2 ? 'kubernetes autoscaling' : 'rust lifetimes'}`,
      researchType: 'learning',
      answer: `Answer ${index}: ${'lorem ipsum dolor sit amet '.repeat(20)} kubernetes`,
      provider: 'p',
      model: 'm',
    });
  }
  const search = await timed(async () => {
    for (let index = 0; index < SEARCHES; index++) await storage.researchResults.search('kubernetes autoscaling', { limit: 10 });
  });
  return {
    singleRowsPerSecond: ROWS / (single / 1000),
    batchedRowsPerSecond: ROWS / (batched / 1000),
    upsertsPerSecond: UPSERTS / (upserts / 1000),
    searchMeanMs: search / SEARCHES,
  };
}

const results: Array<[string, Record<string, number>]> = [];

const directory = mkdtempSync(join(tmpdir(), 'fortitude-bench-'));
const sqlite = await createDatabase({ sqlitePath: join(directory, 'bench.db') });
await sqlite.migrate();
results.push(['sqlite', await measure(sqlite)]);
await sqlite.close();
rmSync(directory, { recursive: true, force: true });

const schema = `bench_storage_${randomBytes(4).toString('hex')}`;
const postgres = await createDatabase({ databaseUrl: DATABASE_URL, schema, poolSize: 10 });
try {
  await postgres.migrate();
  results.push(['postgres', await measure(postgres)]);
} finally {
  await postgres.close();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

const round = (value: number) => Math.round(value).toLocaleString('en-US');
console.log('engine    single rows/s  batched rows/s  batch/single  upserts/s (concurrent)  search mean ms (500 docs)');
for (const [engine, result] of results) {
  console.log(
    [
      engine.padEnd(9),
      round(result.singleRowsPerSecond!).padStart(13),
      round(result.batchedRowsPerSecond!).padStart(15),
      `${(result.batchedRowsPerSecond! / result.singleRowsPerSecond!).toFixed(1)}x`.padStart(13),
      round(result.upsertsPerSecond!).padStart(23),
      result.searchMeanMs!.toFixed(2).padStart(26),
    ].join(' '),
  );
}
