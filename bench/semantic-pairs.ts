/**
 * The semantic cache on the train/dev/test pair sets (test/fixtures/semantic/pairs-*.jsonl),
 * built as `fortitude serve` builds it: local embedder, default threshold, candidate rule and
 * verifier (rules, then the learned pair model's gate), one partition (issue 19). Prints the
 * threshold curve and the trade-off curves on the dev split (tuning happens on train and dev
 * only) and, once, the chosen default on the test split with 95 % Wilson intervals, overall and
 * per category, in both measures:
 *  - `pairwise`: q1 alone cached, q2 asked;
 *  - `shared`: every q1 of the split cached together (the `cache eval --populate` situation):
 *    false hits are first-time non-duplicates served anything but a labelled duplicate — the
 *    split's own labels, and with the label audit's (`pairs-{split}.audit.jsonl`, written by
 *    test/fixtures/semantic/audit-labels.ts) the labels between pairs as well.
 *
 *   node --import tsx bench/semantic-pairs.ts            # curves on dev + default on train/dev/test
 */

import { createLocalEmbedder } from '../src/infrastructure/cache/semantic/local-embedder.js';
import { DEFAULT_SIMILARITY_THRESHOLD } from '../src/infrastructure/cache/semantic/semantic-cache.js';
import { PAIR_MODEL } from '../src/infrastructure/cache/semantic/verification/pair-model.generated.js';
import { evaluatePairs, loadAudit, loadSplit, summarisePairs, wilson, type EvalOptions, type PairSummary } from '../test/semantic/pair-splits-evaluation.js';

const pct = (value: number) => `${(value * 100).toFixed(2)} %`;
const interval = (value: { rate: number; low: number; high: number }) => `${pct(value.rate)} [${pct(value.low)}–${pct(value.high)}]`;
const embedder = createLocalEmbedder();
const dev = loadSplit('dev');
const devAudit = loadAudit('dev');
const both = async (options: EvalOptions) => ({
  pairwise: summarisePairs(await evaluatePairs(dev, embedder, { ...options, mode: 'pairwise' })),
  shared: summarisePairs(await evaluatePairs(dev, embedder, { ...options, mode: 'shared', labels: devAudit })),
});

console.log(`## Threshold curve on the dev split (default ${DEFAULT_SIMILARITY_THRESHOLD})\n`);
console.log('| threshold | pairwise recall | pairwise false hits | shared recall | shared false hits | pairwise false hits without verification |\n|---|---|---|---|---|---|');
for (const threshold of [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]) {
  const verified = await both({ threshold });
  const unverified = summarisePairs(await evaluatePairs(dev, embedder, { mode: 'pairwise', threshold, verification: false }));
  console.log(`| ${threshold} | ${pct(verified.pairwise.recall.rate)} | ${interval(verified.pairwise.falseHits)} | ${pct(verified.shared.recall.rate)} | ${interval(verified.shared.falseHits)} | ${pct(unverified.falseHits.rate)} |`);
}

console.log(`\n## Candidate rule, learned gate and opt-in override on the dev split (threshold ${DEFAULT_SIMILARITY_THRESHOLD})\n`);
console.log('| configuration | pairwise recall | pairwise false hits | shared recall | shared false hits |\n|---|---|---|---|---|');
const configurations: Array<[string, EvalOptions]> = [
  ['best accepted of the top 5 (before), rules only', { nearestOnly: false, verification: { pairModel: false } }],
  ['nearest only, rules only', { verification: { pairModel: false } }],
  [`nearest only, rules + gate ${PAIR_MODEL.gate} (default)`, {}],
  ['nearest only, rules + gate 0.3', { verification: { pairGate: 0.3 } }],
  ['nearest only, rules + gate 0.5', { verification: { pairGate: 0.5 } }],
  ['+ pairAccept 0.999', { verification: { pairAccept: 0.999 } }],
  ['+ pairAccept 0.99', { verification: { pairAccept: 0.99 } }],
  ['+ pairAccept 0.95', { verification: { pairAccept: 0.95 } }],
  ['+ pairAccept 0.9', { verification: { pairAccept: 0.9 } }],
  // Why shared recall is below pairwise: the strict ambiguity rule (a rival within 0.05, verified or not, makes a miss).
  ['default, ambiguity not strict (a rival counts only when the verifier accepts it)', { strictAmbiguity: false }],
  ['default, ambiguity margin 0.01', { ambiguityMargin: 0.01 }],
  ['default, no ambiguity rule (margin 0)', { ambiguityMargin: 0 }],
];
for (const [label, options] of configurations) {
  const result = await both(options);
  console.log(`| ${label} | ${interval(result.pairwise.recall)} | ${interval(result.pairwise.falseHits)} | ${interval(result.shared.recall)} | ${interval(result.shared.falseHits)} |`);
}

const HEADER = '| split | duplicates / non-duplicates | recall | false hits | duplicates served another question |\n|---|---|---|---|---|';
const row = (label: string, summary: PairSummary) =>
  `| ${label} | ${summary.duplicates} / ${summary.nonDuplicates} | ${interval(summary.recall)} | ${interval(summary.falseHits)} | ${summary.duplicateWrong} |`;
for (const mode of ['pairwise', 'shared', 'shared, audit labels'] as const) {
  console.log(`\n## Default configuration, ${mode}\n\n${HEADER}`);
  const summaries: Record<string, PairSummary> = {};
  for (const split of ['train', 'dev', 'test'] as const) {
    const options: EvalOptions = mode === 'pairwise' ? { mode } : { mode: 'shared', ...(mode === 'shared' ? {} : { labels: loadAudit(split) }) };
    summaries[split] = summarisePairs(await evaluatePairs(loadSplit(split), embedder, options));
    console.log(row(split, summaries[split]));
  }
  for (const split of ['dev', 'test'] as const) {
    console.log(`\nPer category, ${split} split (${mode}): served / total (duplicates) or wrong / total (non-duplicates)\n`);
    console.log('| category | kind | served or wrong | rate [95 % CI] |\n|---|---|---|---|');
    for (const [category, stats] of Object.entries(summaries[split]!.byCategory).sort()) {
      const count = stats.duplicate ? stats.served : stats.wrong;
      console.log(`| ${category} | ${stats.duplicate ? 'duplicate' : 'non-duplicate'} | ${count} / ${stats.total} | ${interval(wilson(count, stats.total))} |`);
    }
  }
}
