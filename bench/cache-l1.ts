/**
 * Cache hit latency.
 *   L1: MemoryCacheStore.getSync (the hot path) vs a plain Map.get, plus the strategy-level
 *       peek (getSync + JSON decode) and the async MultiLevelCache.lookup.
 *   L2: RedisCacheStore.get vs a raw ioredis GET of the same bytes, on 127.0.0.1:6379. The store
 *       runs on a RedisConnection as in `serve` (its client has a per-command timeout); before
 *       issue 15 it opened a client of its own without one, so older L2 rows are not the same arm.
 * Target (issue 6): L1 hit p99 < 50 µs.
 *
 * Run: node --import tsx bench/cache-l1.ts
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createCacheStrategies } from '../src/infrastructure/cache/cache-strategies.js';
import { MemoryCacheStore } from '../src/infrastructure/cache/memory/memory-store.js';
import { MultiLevelCache } from '../src/infrastructure/cache/multi-level-cache.js';
import { openRedisCacheStore } from '../test/support/redis-helpers.js';

const MB = 1024 * 1024;

const L1_ENTRIES = 20_000;
const L1_OPS = 200_000;
const L2_OPS = 5_000;
const WARMUP = 2_000;

interface Row {
  name: string;
  ops: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  baseline?: string;
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function summarise(name: string, samples: Float64Array, baseline?: string): Row {
  const sorted = samples.slice().sort();
  return { name, ops: samples.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), max: sorted[sorted.length - 1]!, baseline };
}

/** Times each call separately (hrtime around one op; its ~40 ns overhead is in both sides). */
function measureSync(keys: string[], ops: number, operation: (key: string) => unknown): Float64Array {
  const samples = new Float64Array(ops);
  let sink = 0;
  for (let index = 0; index < WARMUP; index++) sink += operation(keys[index % keys.length]!) === undefined ? 0 : 1;
  for (let index = 0; index < ops; index++) {
    const key = keys[index % keys.length]!;
    const start = process.hrtime.bigint();
    const value = operation(key);
    samples[index] = Number(process.hrtime.bigint() - start) / 1000;
    if (value === undefined) throw new Error(`unexpected miss for ${key}`);
    sink++;
  }
  if (sink < 0) console.log(sink);
  return samples;
}

async function measureAsync(keys: string[], ops: number, operation: (key: string) => Promise<unknown>): Promise<Float64Array> {
  const samples = new Float64Array(ops);
  for (let index = 0; index < Math.min(WARMUP, ops); index++) await operation(keys[index % keys.length]!);
  for (let index = 0; index < ops; index++) {
    const key = keys[index % keys.length]!;
    const start = process.hrtime.bigint();
    const value = await operation(key);
    samples[index] = Number(process.hrtime.bigint() - start) / 1000;
    if (value === undefined || value === null) throw new Error(`unexpected miss for ${key}`);
  }
  return samples;
}

/**
 * Alternates A and B op by op (swapping which goes first), so drift from other load on the
 * machine lands on both sides equally.
 */
async function measureInterleaved(
  keys: string[],
  ops: number,
  a: (key: string) => Promise<unknown>,
  b: (key: string) => Promise<unknown>,
): Promise<[Float64Array, Float64Array]> {
  const samplesA = new Float64Array(ops);
  const samplesB = new Float64Array(ops);
  const time = async (operation: (key: string) => Promise<unknown>, key: string): Promise<number> => {
    const start = process.hrtime.bigint();
    const value = await operation(key);
    const elapsed = Number(process.hrtime.bigint() - start) / 1000;
    if (value === undefined || value === null) throw new Error(`unexpected miss for ${key}`);
    return elapsed;
  };
  for (let index = 0; index < Math.min(WARMUP, ops); index++) {
    await a(keys[index % keys.length]!);
    await b(keys[index % keys.length]!);
  }
  for (let index = 0; index < ops; index++) {
    const key = keys[index % keys.length]!;
    if (index % 2 === 0) {
      samplesA[index] = await time(a, key);
      samplesB[index] = await time(b, key);
    } else {
      samplesB[index] = await time(b, key);
      samplesA[index] = await time(a, key);
    }
  }
  return [samplesA, samplesB];
}

function shuffledKeys(count: number, prefix: string): string[] {
  const keys = Array.from({ length: count }, (_, index) => `${prefix}${index}`);
  for (let index = keys.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [keys[index], keys[other]] = [keys[other]!, keys[index]!];
  }
  return keys;
}

function payload(bytes: number, seed: number): string {
  const text = `Answer ${seed}: pin the toolchain with rust-toolchain.toml and commit it. `.repeat(Math.ceil(bytes / 70)).slice(0, bytes);
  return JSON.stringify({ answer: text, quality: 0.91, provider: 'simulator', seed });
}

async function benchL1(): Promise<Row[]> {
  const memory = new MemoryCacheStore({ maxSizeBytes: 256 * MB, ttlSeconds: 3600 });
  const map = new Map<string, string>();
  const cache = new MultiLevelCache({ levels: [memory] });
  const { query_results } = createCacheStrategies({ query_results: { levels: ['memory'], ttlSeconds: 3600 } }, cache);
  const keys = shuffledKeys(L1_ENTRIES, 'qr:v1:shared:');
  for (const [index, key] of keys.entries()) {
    const value = payload(1024, index);
    await memory.set(key, value, 3_600_000);
    map.set(key, value);
  }
  const order = shuffledKeys(L1_ENTRIES, 'qr:v1:shared:');
  const baseline = summarise('Map.get (baseline)', measureSync(order, L1_OPS, (key) => map.get(key)));
  const rows = [
    baseline,
    summarise('L1 MemoryCacheStore.getSync', measureSync(order, L1_OPS, (key) => memory.getSync(key)), baseline.name),
    summarise('L1 strategy.peek (getSync + JSON.parse 1 kB)', measureSync(order, L1_OPS, (key) => query_results.peek(key)), baseline.name),
    summarise('L1 MultiLevelCache.lookup (async)', await measureAsync(order, L1_OPS / 4, (key) => cache.lookup(key)), baseline.name),
  ];
  await cache.close();
  return rows;
}

async function benchL2(): Promise<Row[]> {
  const prefix = `bench:cache-l1:${randomUUID()}:`;
  const raw = new Redis('redis://127.0.0.1:6379');
  const rows: Row[] = [];
  for (const [label, bytes, compression] of [
    ['1 kB raw', 1024, false],
    ['8 kB gzip', 8192, 'gzip'],
  ] as const) {
    const { store, connection } = await openRedisCacheStore({ ttlSeconds: 3600, keyPrefix: prefix, compression, compressionThresholdBytes: 1024, commandTimeoutMs: 1000 });
    const keys = shuffledKeys(1000, `${label.replace(/\s/g, '')}:`);
    for (const [index, key] of keys.entries()) await store.set(key, payload(bytes, index), 3_600_000);
    const [rawSamples, storeSamples] = await measureInterleaved(keys, L2_OPS, (key) => raw.getBuffer(prefix + key), (key) => store.get(key));
    const baseline = summarise(`raw ioredis GET ${label} (baseline)`, rawSamples);
    rows.push(baseline, summarise(`L2 RedisCacheStore.get ${label}`, storeSamples, baseline.name));
    await store.clear();
    await connection.close();
  }
  await raw.quit();
  return rows;
}

function render(rows: Row[]): string {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const lines = ['| measurement | ops | p50 µs | p99 µs | p99.9 µs | max µs | p99 vs baseline |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const row of rows) {
    const base = row.baseline ? byName.get(row.baseline) : undefined;
    const ratio = base ? `${(row.p99 / base.p99).toFixed(2)}×` : '1.00× (baseline)';
    lines.push(`| ${row.name} | ${row.ops} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.p999.toFixed(2)} | ${row.max.toFixed(0)} | ${ratio} |`);
  }
  return lines.join('\n');
}

const l1 = await benchL1();
const l2 = await benchL2();
console.log(`node ${process.version}, ${L1_ENTRIES} L1 entries of ~1 kB JSON\n`);
console.log(render([...l1, ...l2]));
const l1p99 = l1.find((row) => row.name === 'L1 MemoryCacheStore.getSync')!.p99;
console.log(`\nL1 hit p99 ${l1p99.toFixed(2)} µs — target < 50 µs: ${l1p99 < 50 ? 'PASS' : 'FAIL'}`);
