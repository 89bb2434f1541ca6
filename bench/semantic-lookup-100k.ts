/**
 * Semantic lookup latency at 100,000 cached questions, misses included (issue 19): the lookup as
 * it is, against the same lookup verifying every candidate above the threshold (the behaviour
 * before candidates that cannot be served were skipped) as the baseline. Both run on the same
 * cache, interleaved query by query with alternating order, so machine load and the verifier's
 * lazily computed features hit both alike; every outcome (hit/miss and the entry served) must match.
 * A third variant, `farther`, is the lookup before the nearest-only rule (a refused nearest
 * candidate let a farther one be tried): its latency is reported for the before/after comparison,
 * its outcomes may differ (that is the rule's point; counted, not a failure).
 *
 * Wall time is what a caller sees and, on a busy machine, mostly time spent waiting for a CPU;
 * per-lookup CPU time (process.cpuUsage) is robust to that wait and stands in for a quiet machine.
 *
 *   node --import tsx bench/semantic-lookup-100k.ts [entries=100000] [queries=3000] [efConstruction=32]
 */

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLocalEmbedder } from '../src/infrastructure/cache/semantic/local-embedder.js';
import { createSemanticCache, type SemanticLookupResult } from '../src/infrastructure/cache/semantic/semantic-cache.js';
import { createMemorySemanticEntryStore } from '../src/infrastructure/cache/semantic/store/memory-entry-store.js';
import { generateQuestions, paraphrase, random } from './support/question-generator.js';

const ENTRIES = Number(process.argv[2] ?? 100_000);
const QUERIES = Number(process.argv[3] ?? 3_000);
const EF_CONSTRUCTION = Number(process.argv[4] ?? 32);

type Kind = 'exact' | 'paraphrase' | 'unseen';
interface Sample {
  wall: number;
  cpu: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summarise(values: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length) };
}
const us = (value: number) => `${value.toFixed(0)} µs`;
const outcomeOf = (result: SemanticLookupResult<string>) => `${result.kind}:${result.entry?.id ?? ''}`;

async function main(): Promise<void> {
  const started = performance.now();
  const embedder = createLocalEmbedder();
  const questions = generateQuestions(ENTRIES);
  const cache = await createSemanticCache<string>(
    { sweepIntervalMs: 0, promoteSemanticHits: false, index: { efConstruction: EF_CONSTRUCTION, initialCapacity: ENTRIES } },
    { embedder, store: createMemorySemanticEntryStore() },
  );
  const context = { namespace: 'bench' };
  const buildStart = performance.now();
  for (const question of questions) await cache.store(question, context, question, { ttlMs: 3_600_000 });
  const buildMs = performance.now() - buildStart;

  // A third exact repeats, a third paraphrases of stored questions, a third never seen (misses).
  const stored = new Set(questions);
  const unseen = generateQuestions(ENTRIES + 4 * QUERIES).filter((question) => !stored.has(question));
  const queries = Array.from({ length: QUERIES }, (_, index) => {
    const origin = questions[Math.floor(random() * questions.length)]!;
    const kind: Kind = index % 3 === 0 ? 'exact' : index % 3 === 1 ? 'paraphrase' : 'unseen';
    return { kind, text: kind === 'exact' ? origin : kind === 'paraphrase' ? paraphrase(origin) : unseen[index]!, origin };
  });

  const variants = {
    current: { promote: false },
    baseline: { promote: false, verifyAll: true },
    farther: { promote: false, nearestOnly: false },
  } as const;
  type Variant = keyof typeof variants;
  const measure = async (variant: Variant, text: string) => {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const result = await cache.lookup(text, context, variants[variant]);
    const wall = (performance.now() - wallBefore) * 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { result, sample: { wall, cpu: cpu.user + cpu.system } };
  };

  // Warm-up (JIT) on other queries.
  for (const question of unseen.slice(-300)) for (const variant of ['current', 'baseline', 'farther'] as const) await measure(variant, question);

  const samples: Record<Variant, Record<Kind, Sample[]>> = {
    current: { exact: [], paraphrase: [], unseen: [] },
    baseline: { exact: [], paraphrase: [], unseen: [] },
    farther: { exact: [], paraphrase: [], unseen: [] },
  };
  const outcomes: Record<Kind, Record<string, number>> = { exact: {}, paraphrase: {}, unseen: {} };
  let differ = 0;
  let differFarther = 0;
  let wrong = 0;
  let rejectedCurrent = 0;
  let rejectedBaseline = 0;
  for (const [index, query] of queries.entries()) {
    const rotation: Variant[] = ['current', 'baseline', 'farther'];
    // Query kinds cycle with index % 3: rotate the order on index / 3 so each variant goes first for every kind alike.
    const turn = Math.floor(index / 3) % 3;
    const order = [...rotation.slice(turn), ...rotation.slice(0, turn)];
    const results: Partial<Record<Variant, SemanticLookupResult<string>>> = {};
    for (const variant of order) {
      const { result, sample } = await measure(variant, query.text);
      results[variant] = result;
      samples[variant][query.kind].push(sample);
    }
    if (outcomeOf(results.current!) !== outcomeOf(results.baseline!)) differ++;
    if (outcomeOf(results.current!) !== outcomeOf(results.farther!)) differFarther++;
    if (results.current!.entry && results.current!.entry.value !== query.origin) wrong++;
    rejectedCurrent += results.current!.rejected?.filter((rejection) => !rejection.reasons[0]?.includes('(not verified)')).length ?? 0;
    rejectedBaseline += results.baseline!.rejected?.length ?? 0;
    outcomes[query.kind][results.current!.kind] = (outcomes[query.kind][results.current!.kind] ?? 0) + 1;
  }
  await cache.close();

  const rows: Array<[string, (kind: Kind) => boolean]> = [
    ['all queries', () => true],
    ['exact-key misses (paraphrases + unseen)', (kind) => kind !== 'exact'],
    ['  unseen questions (misses)', (kind) => kind === 'unseen'],
    ['  paraphrases', (kind) => kind === 'paraphrase'],
    ['  exact repeats', (kind) => kind === 'exact'],
  ];
  const [load1] = loadavg();
  console.log(`\nentries ${ENTRIES}, queries ${QUERIES} (each run by both variants), dims ${embedder.dimensions}, m 16, ef_construct ${EF_CONSTRUCTION}, ef_search 32, ` +
    `load average ${load1!.toFixed(1)} on ${cpus().length} CPUs`);
  console.log(`build: ${(buildMs / 1000).toFixed(1)} s (${((buildMs * 1000) / ENTRIES).toFixed(0)} µs/entry)`);
  console.log('\n| queries | variant | wall p50 | wall p99 | CPU p50 | CPU p99 | CPU mean |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  const ratios: string[] = [];
  for (const [name, select] of rows) {
    const pick = (variant: Variant) => (Object.entries(samples[variant]) as Array<[Kind, Sample[]]>).filter(([kind]) => select(kind)).flatMap(([, list]) => list);
    const summaries = (['baseline', 'farther', 'current'] as const).map((variant) => {
      const list = pick(variant);
      return { variant, wall: summarise(list.map((sample) => sample.wall)), cpu: summarise(list.map((sample) => sample.cpu)) };
    });
    for (const { variant, wall, cpu } of summaries) console.log(`| ${name} | ${variant} | ${us(wall.p50)} | ${us(wall.p99)} | ${us(cpu.p50)} | ${us(cpu.p99)} | ${us(cpu.mean)} |`);
    const [before, farther, after] = summaries;
    ratios.push(`${name.trim()}: CPU p99 ${(after!.cpu.p99 / before!.cpu.p99).toFixed(2)}×, CPU mean ${(after!.cpu.mean / before!.cpu.mean).toFixed(2)}×, wall p99 ${(after!.wall.p99 / before!.wall.p99).toFixed(2)}× of baseline; ` +
      `CPU p99 ${(after!.cpu.p99 / farther!.cpu.p99).toFixed(2)}×, wall p99 ${(after!.wall.p99 / farther!.wall.p99).toFixed(2)}× of farther`);
  }
  console.log(`\ncurrent vs baseline (same run, same queries):\n  ${ratios.join('\n  ')}`);
  console.log(`\nverified-and-refused candidates: baseline ${rejectedBaseline}, current ${rejectedCurrent}`);
  console.log(`outcomes (current): ${JSON.stringify(outcomes)}; outcomes differing from baseline: ${differ}, from farther: ${differFarther}; served another question's entry: ${wrong}`);
  console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (differ > 0) process.exitCode = 1;
}

await main();
