/**
 * `fortitude cache eval`: how often the configured cache serves a labelled duplicate (recall),
 * a labelled non-duplicate (false hit) and, after loading many questions, a question it has
 * never seen. Each pair gets its own namespace, so one built cache behaves as a fresh cache per
 * pair: q1's answer is stored, then q2 is looked up.
 */

import { performance } from 'node:perf_hooks';
import { normaliseQuery } from '../../infrastructure/cache/cache-key.js';
import { DEFAULT_NAMESPACE, type CacheEvalSetup, type CacheUnderTest, type Served } from './cache-under-test.js';
import type { LabelledPair } from './pairs-file.js';
import { wilsonInterval, type Proportion } from './wilson.js';

import { DEFAULT_SWEEP } from './default-sweep.js';

export { DEFAULT_SWEEP };
const WORST = 10;

export interface EvaluationOptions {
  /** Semantic thresholds to measure besides the configured one (`--sweep`). */
  sweep?: number[];
  /** Progress lines (stderr), at most one a second. */
  onProgress?: (message: string) => void;
  /**
   * `--populate` only: pairs labelled duplicate (`--pairs`, `--labels`). A first-time question
   * served a question labelled its duplicate (directly or through other duplicate labels) got a
   * right answer; the report counts it apart from the false ones.
   */
  duplicates?: ReadonlyArray<{ q1: string; q2: string }>;
}

export interface ServedExample {
  line?: number;
  category?: string;
  /** The cached question whose answer was served. */
  stored: string;
  /** The question looked up. */
  asked: string;
  tier: 'exact' | 'semantic';
  similarity: number;
  /** `--populate` with labels: the served question is the asked one (normalised) or labelled its duplicate. */
  labelledDuplicate?: boolean;
}

export interface CategoryRow {
  category: string;
  recall: Proportion;
  falseHits: Proportion;
}

export interface SweepRow {
  threshold: number;
  recall?: Proportion;
  falseHits?: Proportion;
  served?: Proportion;
  /** `--populate` with labels: served a question that is neither the asked one nor labelled its duplicate. */
  falseServed?: Proportion;
}

export interface PairsReport {
  mode: 'pairs';
  setup: CacheEvalSetup;
  pairs: number;
  /** Labelled duplicates served, and by which tier. */
  recall: Proportion & { exact: number; semantic: number };
  /** Labelled non-duplicates served, and by which tier. */
  falseHits: Proportion & { exact: number; semantic: number };
  categories: CategoryRow[];
  sweep: SweepRow[];
  worstFalseHits: ServedExample[];
  semanticStoreErrors: number;
  durationMs: number;
}

export interface PopulateReport {
  mode: 'populate';
  setup: CacheEvalSetup;
  /** Distinct questions loaded into the cache. */
  populated: number;
  /** First-time questions served anything. */
  served: Proportion & { exact: number; semantic: number };
  /**
   * With duplicate labels: first-time questions served a question that is neither them
   * (normalised) nor labelled their duplicate — the false ones; the rest of `served` were right.
   */
  falseServed?: Proportion & { exact: number; semantic: number };
  /** Queries skipped because the same text was loaded. */
  skipped: number;
  sweep: SweepRow[];
  worstServed: ServedExample[];
  semanticStoreErrors: number;
  durationMs: number;
}

function progress(options: EvaluationOptions) {
  let last = performance.now();
  return (phase: string, done: number, total: number) => {
    const now = performance.now();
    if (!options.onProgress || (now - last < 1_000 && done !== total)) return;
    last = now;
    options.onProgress(`${phase}: ${done}/${total}`);
  };
}

function thresholdsOf(target: CacheUnderTest, options: EvaluationOptions): number[] {
  if (!target.setup.semantic || !options.sweep) return [];
  return [...new Set(options.sweep)].sort((a, b) => a - b);
}

const byScore = (a: ServedExample, b: ServedExample) => b.similarity - a.similarity;

/** Stores every pair's q1 in its own namespace, then looks each q2 up. */
export async function evaluatePairs(pairs: LabelledPair[], target: CacheUnderTest, options: EvaluationOptions = {}): Promise<PairsReport> {
  const started = performance.now();
  const report = progress(options);
  const namespaceOf = (index: number) => `cache-eval-${index}`;
  for (const [index, pair] of pairs.entries()) {
    await target.store(pair.q1, namespaceOf(index));
    report('storing q1', index + 1, pairs.length);
  }
  const lookAll = async (threshold: number | undefined, label: string) => {
    const served: Array<Served | undefined> = [];
    for (const [index, pair] of pairs.entries()) {
      served.push(await target.lookup(pair.q2, namespaceOf(index), threshold));
      report(label, index + 1, pairs.length);
    }
    return served;
  };
  const configured = await lookAll(undefined, 'looking up q2');

  const count = (select: (pair: LabelledPair) => boolean, outcomes: Array<Served | undefined>) => {
    let total = 0;
    let hits = 0;
    let exact = 0;
    for (const [index, pair] of pairs.entries()) {
      if (!select(pair)) continue;
      total++;
      const served = outcomes[index];
      if (!served) continue;
      hits++;
      if (served.tier === 'exact') exact++;
    }
    return { ...wilsonInterval(hits, total), exact, semantic: hits - exact };
  };
  const categories = [...new Set(pairs.map((pair) => pair.category).filter((category): category is string => category !== undefined))].sort();

  const sweep: SweepRow[] = [];
  for (const threshold of thresholdsOf(target, options)) {
    const outcomes = await lookAll(threshold, `sweep ${threshold.toFixed(2)}`);
    const recall = count((pair) => pair.duplicate, outcomes);
    const falseHits = count((pair) => !pair.duplicate, outcomes);
    sweep.push({ threshold, recall: strip(recall), falseHits: strip(falseHits) });
  }

  const worstFalseHits: ServedExample[] = [];
  for (const [index, pair] of pairs.entries()) {
    const served = configured[index];
    if (pair.duplicate || !served) continue;
    worstFalseHits.push({ line: pair.line, ...(pair.category ? { category: pair.category } : {}), stored: served.question, asked: pair.q2, tier: served.tier, similarity: served.similarity });
  }
  worstFalseHits.sort(byScore);

  return {
    mode: 'pairs',
    setup: target.setup,
    pairs: pairs.length,
    recall: count((pair) => pair.duplicate, configured),
    falseHits: count((pair) => !pair.duplicate, configured),
    categories: categories.map((category) => ({
      category,
      recall: strip(count((pair) => pair.duplicate && pair.category === category, configured)),
      falseHits: strip(count((pair) => !pair.duplicate && pair.category === category, configured)),
    })),
    sweep,
    worstFalseHits: worstFalseHits.slice(0, WORST),
    semanticStoreErrors: target.semanticStoreErrors(),
    durationMs: performance.now() - started,
  };
}

/**
 * Loads `populate` into one namespace (as anonymous `serve` traffic), then asks each first-time
 * question: anything served is an answer to a question that was not asked.
 */
export async function evaluatePopulate(populate: string[], firstTime: string[], target: CacheUnderTest, options: EvaluationOptions = {}): Promise<PopulateReport> {
  const started = performance.now();
  const report = progress(options);
  const loaded = [...new Set(populate)];
  for (const [index, question] of loaded.entries()) {
    await target.store(question, DEFAULT_NAMESPACE);
    report('populating', index + 1, loaded.length);
  }
  const known = new Set(loaded);
  const queries = [...new Set(firstTime)].filter((question) => !known.has(question));
  const skipped = firstTime.length - queries.length;
  const lookAll = async (threshold: number | undefined, label: string) => {
    const served: Array<Served | undefined> = [];
    for (const [index, question] of queries.entries()) {
      served.push(await target.lookup(question, DEFAULT_NAMESPACE, threshold));
      report(label, index + 1, queries.length);
    }
    return served;
  };
  const clusters = options.duplicates && duplicateClusters(options.duplicates);
  const isDuplicate = (asked: string, served: Served) =>
    normaliseQuery(asked) === normaliseQuery(served.question) || (clusters?.get(normaliseQuery(asked))?.has(normaliseQuery(served.question)) ?? false);
  const tally = (outcomes: Array<Served | undefined>, counted: (served: Served, index: number) => boolean = () => true) => {
    let hits = 0;
    let exact = 0;
    for (const [index, served] of outcomes.entries()) {
      if (!served || !counted(served, index)) continue;
      hits++;
      if (served.tier === 'exact') exact++;
    }
    return { ...wilsonInterval(hits, outcomes.length), exact, semantic: hits - exact };
  };
  const falseOnes = (served: Served, index: number) => !isDuplicate(queries[index]!, served);
  const configured = await lookAll(undefined, 'first-time questions');
  const sweep: SweepRow[] = [];
  for (const threshold of thresholdsOf(target, options)) {
    const outcomes = await lookAll(threshold, `sweep ${threshold.toFixed(2)}`);
    sweep.push({ threshold, served: strip(tally(outcomes)), ...(clusters ? { falseServed: strip(tally(outcomes, falseOnes)) } : {}) });
  }
  const worstServed: ServedExample[] = [];
  for (const [index, served] of configured.entries()) {
    if (!served) continue;
    const labelled = clusters ? { labelledDuplicate: isDuplicate(queries[index]!, served) } : {};
    worstServed.push({ stored: served.question, asked: queries[index]!, tier: served.tier, similarity: served.similarity, ...labelled });
  }
  // The false ones first: they are what the report is read for.
  worstServed.sort((a, b) => Number(a.labelledDuplicate ?? false) - Number(b.labelledDuplicate ?? false) || byScore(a, b));
  return {
    mode: 'populate',
    setup: target.setup,
    populated: loaded.length,
    served: tally(configured),
    ...(clusters ? { falseServed: tally(configured, falseOnes) } : {}),
    skipped,
    sweep,
    worstServed: worstServed.slice(0, WORST),
    semanticStoreErrors: target.semanticStoreErrors(),
    durationMs: performance.now() - started,
  };
}

/**
 * Normalised question → every question labelled its duplicate, through chains of labels (itself
 * included). Every question of `pairs` gets a cluster; a pair marked `duplicate: false` joins none.
 */
export function duplicateClusters(pairs: ReadonlyArray<{ q1: string; q2: string; duplicate?: boolean }>): Map<string, Set<string>> {
  const parent = new Map<string, string>();
  const find = (text: string): string => {
    if (!parent.has(text)) parent.set(text, text);
    let root = text;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  for (const pair of pairs) {
    const left = find(normaliseQuery(pair.q1));
    const right = find(normaliseQuery(pair.q2));
    if (pair.duplicate !== false) parent.set(left, right);
  }
  const members = new Map<string, Set<string>>();
  for (const text of parent.keys()) {
    const root = find(text);
    if (!members.has(root)) members.set(root, new Set());
    members.get(root)!.add(text);
  }
  const clusters = new Map<string, Set<string>>();
  for (const text of parent.keys()) clusters.set(text, members.get(find(text))!);
  return clusters;
}

function strip(value: Proportion & { exact: number; semantic: number }): Proportion {
  return { count: value.count, total: value.total, rate: value.rate, low: value.low, high: value.high };
}
