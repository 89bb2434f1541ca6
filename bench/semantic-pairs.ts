/**
 * The semantic cache on the train/dev/test pair sets (test/fixtures/semantic/pairs-*.jsonl),
 * built as `fortitude serve` builds it: local embedder, default threshold and verifier, one
 * partition (issue 19). Prints the threshold curve on the dev split (tuning happens on train and
 * dev only) and, once, the chosen default on the test split with 95 % Wilson intervals, overall
 * and per category, in both measures (`pairwise`: q1 alone cached; `shared`: every q1 of the
 * split cached together).
 *
 *   node --import tsx bench/semantic-pairs.ts            # curve on dev + default on train/dev/test
 */

import { createLocalEmbedder } from '../src/infrastructure/cache/semantic/local-embedder.js';
import { DEFAULT_SIMILARITY_THRESHOLD } from '../src/infrastructure/cache/semantic/semantic-cache.js';
import { evaluatePairs, loadSplit, summarisePairs, type PairSummary } from '../test/semantic/pair-splits-evaluation.js';

const pct = (value: number) => `${(value * 100).toFixed(2)} %`;
const interval = (value: { rate: number; low: number; high: number }) => `${pct(value.rate)} [${pct(value.low)}–${pct(value.high)}]`;
const embedder = createLocalEmbedder();

function row(label: string, summary: PairSummary): string {
  return `| ${label} | ${summary.duplicates} / ${summary.nonDuplicates} | ${interval(summary.recall)} | ${interval(summary.falseHits)} | ${summary.duplicateWrong} |`;
}
const HEADER = '| | duplicates / non-duplicates | recall | false hits | duplicates served another question |\n|---|---|---|---|---|';

console.log(`## Threshold curve on the dev split (pairwise; default ${DEFAULT_SIMILARITY_THRESHOLD})\n`);
console.log('| threshold | recall | false hits | false hits without verification |\n|---|---|---|---|');
const dev = loadSplit('dev');
for (const threshold of [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]) {
  const verified = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'pairwise', threshold }));
  const unverified = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'pairwise', threshold, verification: false }));
  console.log(`| ${threshold} | ${interval(verified.recall)} | ${interval(verified.falseHits)} | ${pct(unverified.falseHits.rate)} (recall ${pct(unverified.recall.rate)}) |`);
}

for (const mode of ['pairwise', 'shared'] as const) {
  console.log(`\n## Default configuration, ${mode}\n\n${HEADER}`);
  const summaries: Record<string, PairSummary> = {};
  for (const split of ['train', 'dev', 'test'] as const) {
    summaries[split] = summarisePairs(await evaluatePairs(loadSplit(split), embedder, { mode }));
    console.log(row(split, summaries[split]));
  }
  console.log(`\nPer category, test split (${mode}): served / total (duplicates) or wrong / total (non-duplicates)\n`);
  console.log('| category | kind | served or wrong | rate [95 % CI] |\n|---|---|---|---|');
  for (const [category, stats] of Object.entries(summaries.test!.byCategory).sort()) {
    const count = stats.duplicate ? stats.served : stats.wrong;
    const { low, high, rate } = await import('../test/semantic/pair-splits-evaluation.js').then((module) => module.wilson(count, stats.total));
    console.log(`| ${category} | ${stats.duplicate ? 'duplicate' : 'non-duplicate'} | ${count} / ${stats.total} | ${pct(rate)} [${pct(low)}–${pct(high)}] |`);
  }
}
