/**
 * Classifier benchmark: per-query latency (p50/p99) against a one-regex baseline measured in the
 * same run, plus accuracy and calibration per dimension on the labelled set.
 *
 *   node --import tsx bench/classify.ts
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { calibrationReport } from '../src/pipeline/classify/calibration.js';
import type { ClassifierModel } from '../src/pipeline/classify/classifier-model.js';
import { classify, createClassifier } from '../src/pipeline/classify/classify.js';
import { CLASSIFIER_MODEL } from '../src/pipeline/classify/model.generated.js';
import { DIMENSIONS, evaluateClassifier, loadLabelledQueries } from '../test/fixtures/classification/labelled-queries.js';

const ROUNDS = 30;
const queries = loadLabelledQueries();
const texts = queries.map((item) => item.query);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Runs ROUNDS passes over the set, split into TRIALS trials, and reports the median trial so one
 * burst of load from another process on a shared machine does not decide the p99.
 */
const TRIALS = 5;
function measure(label: string, fn: (query: string) => unknown) {
  for (let i = 0; i < 3; i++) for (const text of texts) fn(text); // warm-up
  let sink = 0;
  const trials = [];
  // Per-query best time over all rounds: what the query itself costs once preemption by other
  // processes is filtered out (the wall-clock p99 above it includes that noise).
  const best = new Array<number>(texts.length).fill(Infinity);
  const cpuStart = process.cpuUsage();
  for (let trial = 0; trial < TRIALS; trial++) {
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS / TRIALS; round++) {
      texts.forEach((text, index) => {
        const start = performance.now();
        const result = fn(text);
        const elapsed = (performance.now() - start) * 1000;
        samples.push(elapsed);
        if (elapsed < (best[index] ?? Infinity)) best[index] = elapsed;
        if (result) sink++;
      });
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    trials.push({ n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1) ?? NaN, mean });
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerCall = (cpu.user + cpu.system) / (ROUNDS * texts.length);
  trials.sort((a, b) => a.p99 - b.p99);
  const median = trials[Math.floor(TRIALS / 2)] ?? trials[0]!;
  best.sort((a, b) => a - b);
  return { label, ...median, worstP99: trials.at(-1)?.p99 ?? NaN, intrinsicP99: percentile(best, 99), cpuPerCall, sink };
}

const baselinePattern = /\b(?:vs|versus|should i|how do i|error|what is|is it)\b/i;
const baseline = measure('baseline: one regex test', (query) => baselinePattern.test(query));
const full = measure('classify (4 dimensions)', (query) => classify(query));
const explicit = measure('classify with explicit --type', (query) => classify(query, { type: 'learning' }));

const us = (value: number) => `${value.toFixed(1)} µs`;
console.log(
  `\nClassification latency (${texts.length} queries × ${ROUNDS} rounds in ${TRIALS} trials, median trial shown; ` +
    `Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`,
);
console.log(
  '| case | samples/trial | p50 | p99 | worst-trial p99 | per-query best, p99 over queries | CPU per call | p50 ratio vs baseline | p99 ratio vs baseline |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of [baseline, full, explicit]) {
  console.log(
    `| ${row.label} | ${row.n} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.worstP99)} | ${us(row.intrinsicP99)} | ${us(row.cpuPerCall)} | ` +
      `${(row.p50 / baseline.p50).toFixed(0)}× | ${(row.p99 / baseline.p99).toFixed(0)}× |`,
  );
}
console.log(`\np99 target < 1 ms (wall clock, median trial): ${full.p99 < 1000 ? 'met' : 'MISSED'} (${us(full.p99)})`);

const mapModel = (f: (dimension: ClassifierModel['researchType']) => ClassifierModel['researchType']): ClassifierModel =>
  Object.fromEntries(DIMENSIONS.map((d) => [d, f(CLASSIFIER_MODEL[d])])) as ClassifierModel;
const variants = {
  shipped: classify,
  'rules only (no naive Bayes)': createClassifier({ model: mapModel((m) => ({ ...m, nbWeight: 0 })) }),
  'uncalibrated (T = 1)': createClassifier({ model: mapModel((m) => ({ ...m, temperature: 1 })) }),
};

console.log('\nAccuracy per dimension (held-out = every 4th query of each type, never used for training or tuning)\n');
console.log('| model | split | research type | audience | domain | urgency |');
console.log('|---|---|---|---|---|---|');
for (const [name, fn] of Object.entries(variants)) {
  if (name.startsWith('uncalibrated')) continue; // temperature never changes the winner
  for (const split of ['train', 'heldout'] as const) {
    const subset = queries.filter((item) => item.split === split);
    const report = evaluateClassifier((query) => fn(query), subset);
    const cells = DIMENSIONS.map((d) => `${report[d].accuracy.toFixed(3)} (${report[d].correct}/${report[d].total})`);
    console.log(`| ${name} | ${split} | ${cells.join(' | ')} |`);
  }
}

console.log('\nCalibration on held-out (ECE, 10 bins; mean confidence vs accuracy)\n');
console.log('| dimension | accuracy | mean confidence (shipped) | ECE shipped | ECE uncalibrated (T = 1) | temperature |');
console.log('|---|---|---|---|---|---|');
const heldOut = queries.filter((item) => item.split === 'heldout');
const shipped = evaluateClassifier((query) => classify(query), heldOut);
const uncalibrated = evaluateClassifier((query) => variants['uncalibrated (T = 1)'](query), heldOut);
for (const d of DIMENSIONS) {
  const s = shipped[d].calibration;
  console.log(
    `| ${d} | ${s.accuracy.toFixed(3)} | ${s.meanConfidence.toFixed(3)} | ${s.ece.toFixed(3)} | ${uncalibrated[d].calibration.ece.toFixed(3)} | ${CLASSIFIER_MODEL[d].temperature} |`,
  );
}
const pooled = calibrationReport(
  DIMENSIONS.flatMap((d) =>
    heldOut.map((item) => {
      const result = classify(item.query)[d];
      return { confidence: result.confidence, correct: result.value === item[d] };
    }),
  ),
);
console.log(`\nPooled over all dimensions (held-out): ECE ${pooled.ece.toFixed(3)}`);
console.log('| confidence bin | n | accuracy | mean confidence |');
console.log('|---|---|---|---|');
for (const bin of pooled.bins) {
  console.log(`| ${bin.from.toFixed(1)}–${bin.to.toFixed(1)} | ${bin.count} | ${bin.accuracy.toFixed(3)} | ${bin.confidence.toFixed(3)} |`);
}
