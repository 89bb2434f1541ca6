/**
 * The labelled-set table: hit rate on paraphrases and false-hit rate on hard negatives, per
 * category, for each available embedder and several thresholds, with and without verification.
 * A paraphrase served another pair's origin counts as a wrong hit. The provider embedders need
 * network access and keys, so only the local embedder (at two sizes) is measured here.
 *
 *   node --import tsx bench/semantic-eval.ts
 */

import { performance } from 'node:perf_hooks';
import type { Embedder } from '../src/infrastructure/cache/semantic/embedder.js';
import { createLocalEmbedder } from '../src/infrastructure/cache/semantic/local-embedder.js';
import { DEFAULT_SIMILARITY_THRESHOLD } from '../src/infrastructure/cache/semantic/semantic-cache.js';
import { createHarness, loadPairs, summarise, type EvaluationRow, type Outcome } from '../test/semantic/labelled-set-evaluation.js';

const THRESHOLDS = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const CATEGORIES = ['negation', 'number', 'version', 'entity', 'direction', 'antonym', 'topic', 'qualifier'];
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const pctOf = (value: number, total: number) => (total === 0 ? '–' : pct(value));

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function categoryCells(row: EvaluationRow): string[] {
  return CATEGORIES.map((category) => {
    const stats = row.byCategory[category];
    return stats ? `${stats.wrong}/${stats.total}` : '–';
  });
}

async function evaluateEmbedder(name: string, embedder: Embedder): Promise<void> {
  const pairs = loadPairs();
  const harness = await createHarness(pairs, embedder);
  const summary: string[][] = [];
  const categories: string[][] = [];
  let defaultOutcomes: Outcome[] = [];
  for (const verified of [false, true]) {
    for (const threshold of THRESHOLDS) {
      const outcomes = await harness.run({ threshold, ...(verified ? {} : { verification: false }) });
      if (verified && threshold === DEFAULT_SIMILARITY_THRESHOLD) defaultOutcomes = outcomes;
      const row = summarise(outcomes, threshold, verified, 'all');
      const label = [name, threshold.toFixed(2), verified ? 'on' : 'off'];
      summary.push([...label, pct(row.paraphraseHitRate), pct(row.paraphraseWrongRate), pct(row.falseHitRate), pct(row.wrongAnswerRate)]);
      categories.push([...label, ...categoryCells(row)]);
    }
  }
  await harness.close();
  console.log(`\n### ${name}: ${embedder.id}\n`);
  console.log(table(['embedder', 'threshold', 'verification', 'paraphrase hit', 'paraphrase → other origin', 'hard negatives served', 'all wrong answers'], summary));
  console.log('\nHard negatives served, per category (served/total):\n');
  console.log(table(['embedder', 'threshold', 'verification', ...CATEGORIES], categories));

  const splits: string[][] = [];
  for (const split of ['dev', 'holdout', 'fresh', 'all'] as const) {
    const row = summarise(defaultOutcomes, DEFAULT_SIMILARITY_THRESHOLD, true, split);
    const handwritten = summarise(defaultOutcomes.filter((outcome) => outcome.pair.source !== 'gptcache'), DEFAULT_SIMILARITY_THRESHOLD, true, split);
    const gptcache = summarise(defaultOutcomes.filter((outcome) => outcome.pair.source === 'gptcache'), DEFAULT_SIMILARITY_THRESHOLD, true, split);
    splits.push([
      split, `${row.counts.same}/${row.counts.different}`, pctOf(gptcache.paraphraseHitRate, gptcache.counts.same),
      pctOf(handwritten.paraphraseHitRate, handwritten.counts.same),
      pct(row.paraphraseWrongRate), pct(row.falseHitRate), pct(row.wrongAnswerRate),
    ]);
  }
  console.log(`\nDefault configuration (threshold ${DEFAULT_SIMILARITY_THRESHOLD}, verification on) by split:\n`);
  console.log(table(['split', 'same/different pairs', 'GPTCache paraphrase hit', 'developer paraphrase hit', 'paraphrase → other origin', 'hard negatives served', 'all wrong answers'], splits));

  const reasons = new Map<string, number>();
  for (const outcome of defaultOutcomes) {
    if (outcome.pair.label !== 'same' || outcome.served !== undefined) continue;
    const checks = new Set(outcome.rejectedReasons.map((reason) => reason.slice(0, reason.indexOf(':'))));
    if (checks.size === 0) checks.add('below threshold');
    for (const check of checks) reasons.set(check, (reasons.get(check) ?? 0) + 1);
  }
  console.log('\nWhy paraphrases were missed (default configuration; a miss can have several):\n');
  console.log(table(['reason', 'paraphrases'], [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => [reason, String(count)])));
}

async function main(): Promise<void> {
  const started = performance.now();
  await evaluateEmbedder('local-128 (default)', createLocalEmbedder());
  await evaluateEmbedder('local-256', createLocalEmbedder({ dimensions: 256 }));

  // The same default lookups through HNSW instead of the exact scan (index forced above threshold).
  const pairs = loadPairs();
  const graph = await createHarness(pairs, createLocalEmbedder(), { fullScanThreshold: 0 });
  const row = summarise(await graph.run(), DEFAULT_SIMILARITY_THRESHOLD, true, 'all');
  await graph.close();
  console.log(`\nDefault configuration searched by HNSW (full_scan_threshold 0): paraphrase hit ${pct(row.paraphraseHitRate)}, ` +
    `hard negatives served ${pct(row.falseHitRate)}, all wrong answers ${pct(row.wrongAnswerRate)}`);
  console.log('\nProvider embedders (OpenAI, Gemini, OpenAI-compatible): not measured — no network or keys in this environment.');
  console.log(`\n${pairs.length} pairs; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
