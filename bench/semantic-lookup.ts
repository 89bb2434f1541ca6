/**
 * Semantic lookup latency with 100,000 cached questions in one partition (HNSW path), against
 * baselines measured in the same run: an exact Map lookup, the embedder alone, the verifier
 * alone, and an exact brute-force scan of the same vectors. Bounded: the build uses
 * `ef_construct` 200 only if a timed sample says it fits the budget, else a lower value (printed).
 *
 *   node --import tsx bench/semantic-lookup.ts [entries=100000] [queries=2000] [dimensions=128] [efSearch=32]
 */

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLocalEmbedder, embedLocally } from '../src/infrastructure/cache/semantic/local-embedder.js';
import { createSemanticCache } from '../src/infrastructure/cache/semantic/semantic-cache.js';
import { createMemorySemanticEntryStore } from '../src/infrastructure/cache/semantic/store/memory-entry-store.js';
import { normaliseQuery } from '../src/infrastructure/cache/semantic/text/text-analysis.js';
import { VectorIndex } from '../src/infrastructure/cache/semantic/index/vector-index.js';
import { extractFeatures } from '../src/infrastructure/cache/semantic/verification/question-features.js';
import { verifyMatch } from '../src/infrastructure/cache/semantic/verification/verify-match.js';
import { generateQuestions, paraphrase, random } from './support/question-generator.js';

const ENTRIES = Number(process.argv[2] ?? 100_000);
const QUERIES = Number(process.argv[3] ?? 2_000);
const DIMENSIONS = Number(process.argv[4] ?? 128);
const EF_SEARCH = Number(process.argv[5] ?? 32);
const BUILD_BUDGET_MS = 15_000;

// ---- measurement helpers ----
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summarise(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}
async function time<T>(samples: number[], run: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  const result = await run();
  samples.push((performance.now() - start) * 1000);
  return result;
}
const us = (value: number) => `${value.toFixed(1)} µs`;

async function main(): Promise<void> {
  const started = performance.now();
  const embedder = createLocalEmbedder({ dimensions: DIMENSIONS });
  const questions = generateQuestions(ENTRIES);

  // Timed sample at the seed's ef_construct to decide whether the full build fits the budget.
  const sampleSize = Math.min(3_000, ENTRIES);
  const sampleVectors = await embedder.embed(questions.slice(0, sampleSize));
  const sampleIndex = new VectorIndex({ dimensions: embedder.dimensions, efConstruction: 200, efSearch: EF_SEARCH, initialCapacity: sampleSize });
  const sampleStart = performance.now();
  sampleVectors.forEach((vector, label) => sampleIndex.add(label, vector));
  const perInsert200 = (performance.now() - sampleStart) / sampleSize;
  sampleIndex.close();
  // HNSW insert cost grows roughly with log(n) (1.6× covers 3k → 100k) and about linearly with
  // ef_construct: scale ef_construct down until the projected build fits the budget.
  const projected200 = perInsert200 * ENTRIES * 1.6;
  const efConstruction = Math.max(16, Math.min(200, Math.floor((200 * BUILD_BUDGET_MS) / projected200)));

  const cache = await createSemanticCache<string>(
    { sweepIntervalMs: 0, promoteSemanticHits: false, index: { efConstruction, efSearch: EF_SEARCH, initialCapacity: ENTRIES } },
    { embedder, store: createMemorySemanticEntryStore() },
  );
  const context = { namespace: 'bench' };
  const buildStart = performance.now();
  for (const question of questions) await cache.store(question, context, question, { ttlMs: 3_600_000 });
  const buildMs = performance.now() - buildStart;

  // Query mix: a third exact repeats, a third paraphrases of stored questions, a third unseen.
  const stored = new Set(questions);
  const unseen = generateQuestions(ENTRIES + 4 * QUERIES).filter((question) => !stored.has(question));
  const queries = Array.from({ length: QUERIES }, (_, index) => {
    const stored = questions[Math.floor(random() * questions.length)]!;
    if (index % 3 === 0) return { kind: 'exact', text: stored, origin: stored };
    if (index % 3 === 1) return { kind: 'paraphrase', text: paraphrase(stored), origin: stored };
    return { kind: 'unseen', text: unseen[index]!, origin: undefined };
  });

  // Warm-up (JIT), then measure each path on the same queries.
  for (const query of queries.slice(0, 200)) await cache.lookup(query.text, context, { promote: false });
  const lookupSamples: Record<string, number[]> = { exact: [], paraphrase: [], unseen: [] };
  const cpuBefore = process.cpuUsage();
  const outcomes: Record<string, Record<string, number>> = { exact: {}, paraphrase: {}, unseen: {} };
  const wrong: string[] = [];
  for (const query of queries) {
    const result = await time(lookupSamples[query.kind]!, () => cache.lookup(query.text, context, { promote: false }));
    outcomes[query.kind]![result.kind] = (outcomes[query.kind]![result.kind] ?? 0) + 1;
    if (result.entry && result.entry.value !== query.origin) wrong.push(`${query.text} → ${result.entry.question}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPerLookup = (cpu.user + cpu.system) / QUERIES;
  const allLookups = Object.values(lookupSamples).flat();
  const semanticPath = [...lookupSamples.paraphrase!, ...lookupSamples.unseen!];

  // Baselines on the same queries.
  const exactMap = new Map(questions.map((question) => [normaliseQuery(question), question]));
  const mapSamples: number[] = [];
  for (const query of queries) await time(mapSamples, () => exactMap.get(normaliseQuery(query.text)));
  const embedSamples: number[] = [];
  const vectors: Float32Array[] = [];
  const options = { dimensions: embedder.dimensions, charGramWeight: 0.45, bigramWeight: 0.5 };
  for (const query of queries) vectors.push(await time(embedSamples, () => embedLocally(query.text, new Float32Array(embedder.dimensions), options)));
  const verifySamples: number[] = [];
  for (const query of queries) {
    const candidate = extractFeatures(query.origin ?? questions[0]!);
    await time(verifySamples, () => verifyMatch(extractFeatures(query.text), candidate, 0.9));
  }

  // Exact brute-force scan vs HNSW on the cache's own 100k partition (embeddings are memoised by
  // now, so these time the search), and HNSW recall@1 against the exact answer.
  const scanSamples: number[] = [];
  const graphSamples: number[] = [];
  let agree = 0;
  const recallQueries = queries.slice(0, 300);
  for (const query of recallQueries) {
    const [exact] = await time(scanSamples, () => cache.nearest(query.text, context, { k: 5, search: 'exact' }));
    const [graph] = await time(graphSamples, () => cache.nearest(query.text, context, { k: 5, search: 'graph' }));
    if (exact && graph && exact.id === graph.id) agree++;
  }
  const storedVectors = await embedder.embed(questions.slice(0, 10_000));
  const tenK = new VectorIndex({ dimensions: embedder.dimensions, efConstruction: 8, m: 4, initialCapacity: 10_000 });
  storedVectors.forEach((vector, label) => tenK.add(label, vector));
  const scan10kSamples: number[] = [];
  for (const vector of vectors.slice(0, 500)) await time(scan10kSamples, () => tenK.searchExact(vector, 5));
  tenK.close();
  const stats = cache.stats();
  await cache.close();

  const lookup = summarise(allLookups);
  const semantic = summarise(semanticPath);
  const map = summarise(mapSamples);
  const scan = summarise(scanSamples);
  const scan10k = summarise(scan10kSamples);
  const servedOf = (kind: string): string => {
    const counts = outcomes[kind]!;
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    return `${total - (counts.miss ?? 0)} of ${total} served`;
  };
  const rows: Array<[string, { p50: number; p99: number }]> = [
    ['semantic lookup, all queries (exact+ANN+verify)', lookup],
    ['semantic lookup, exact-key misses only', semantic],
    ['  exact repeats (exact key hit)', summarise(lookupSamples.exact!)],
    // What each row timed: a paraphrase the verifier refuses is a miss, and its time is a miss's.
    [`  paraphrases (${servedOf('paraphrase')})`, summarise(lookupSamples.paraphrase!)],
    [`  unseen questions (${servedOf('unseen')})`, summarise(lookupSamples.unseen!)],
    ['baseline: exact Map lookup (normalise + get)', map],
    ['component: local embedding', summarise(embedSamples)],
    ['component: verification (features + checks)', summarise(verifySamples)],
    [`search only: HNSW (ef_search ${EF_SEARCH}), ${ENTRIES}`, summarise(graphSamples)],
    [`baseline: exact int8 scan of ${ENTRIES} + rescore`, scan],
    ['baseline: exact int8 scan of 10k + rescore', scan10k],
  ];
  const [load1] = loadavg();
  console.log(`\nentries ${ENTRIES}, queries ${QUERIES}, dims ${embedder.dimensions}, m 16, ef_construct ${efConstruction}, ef_search ${EF_SEARCH}, load average ${load1!.toFixed(1)} on ${cpus().length} CPUs`);
  console.log(`ef_construct 200 sample: ${(perInsert200 * 1000).toFixed(0)} µs/insert → projected ${(projected200 / 1000).toFixed(1)} s for ${ENTRIES}`);
  console.log(`build (store(): embed + int8 + HNSW insert): ${(buildMs / 1000).toFixed(1)} s (${((buildMs * 1000) / ENTRIES).toFixed(0)} µs/entry)`);
  console.log(`index memory: float32 ${(stats.index.float32Bytes / 2 ** 20).toFixed(1)} MiB, int8 ${(stats.index.int8Bytes / 2 ** 20).toFixed(1)} MiB, graph ~${(stats.index.graphBytes / 2 ** 20).toFixed(1)} MiB`);
  console.log('\n| path | p50 | p99 | p99 vs semantic lookup |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, value] of rows) console.log(`| ${name} | ${us(value.p50)} | ${us(value.p99)} | ${(value.p99 / semantic.p99).toFixed(2)}× |`);
  console.log(`\nCPU time per lookup (all queries, process user+system, robust to other load): ${us(cpuPerLookup)} mean`);
  console.log(`\nHNSW recall@1 vs exact scan: ${agree}/${recallQueries.length}`);
  console.log(`\noutcomes: ${JSON.stringify(outcomes)}; served another question's entry: ${wrong.length}`);
  for (const line of wrong.slice(0, 10)) console.log(`  ${line}`);
  console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
