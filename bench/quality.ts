/**
 * Quality-evaluator benchmark: p50/p99 evaluation time for a ~2,000-token answer against a
 * baseline measured in the same run (splitting the answer into words), plus agreementScore.
 *
 *   node --import tsx bench/quality.ts
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { classify } from '../src/pipeline/classify/classify.js';
import { evaluateQuality } from '../src/pipeline/quality/evaluate-quality.js';
import { GOOD_ANSWERS } from '../test/support/sample-answers.js';
import { agreementScore } from '../src/pipeline/quality/relevance.js';

const TARGET_TOKENS = 2_000;
const ITERATIONS = 2_000;
const FENCE = '```';

// A realistic long implementation answer: the sample answer plus further variants and notes,
// grown in whole sections until it reaches ~2,000 tokens (cl100k_base).
const encoder = { encode };
const { query } = GOOD_ANSWERS.implementation;
const extraSections = [
  `### Variant: plain hyper without axum

If you run hyper 1.x directly, keep a \`JoinSet\` of connection tasks and call \`graceful_shutdown()\` on each connection when the signal fires, because hyper only stops a connection after its in-flight response is written.

${FENCE}rust
let mut connections = tokio::task::JoinSet::new();
loop {
    tokio::select! {
        accepted = listener.accept() => {
            let (stream, _) = accepted?;
            connections.spawn(serve_connection(stream, shutdown.clone()));
        }
        _ = shutdown.cancelled() => break,
    }
}
while connections.join_next().await.is_some() {}
${FENCE}
`,
  `### Draining background work

Requests are not the only in-flight work. Queue consumers, metrics flushers and database pools should observe the same cancellation token:

1. Create a \`tokio_util::sync::CancellationToken\` at startup and clone it into every task.
2. In each loop, \`select!\` on \`token.cancelled()\` next to the work future.
3. After the server future resolves, await the task handles with a deadline, then close the pool.

This keeps shutdown ordered: stop accepting, finish requests, flush side effects, close connections. Measured on a 4-core VM, draining 500 idle keep-alive connections took about 40 ms.
`,
  `### Kubernetes settings

Set \`terminationGracePeriodSeconds\` above your drain timeout and add a short \`preStop\` sleep so the endpoint is removed from the Service before the process stops accepting:

${FENCE}yaml
spec:
  terminationGracePeriodSeconds: 30
  containers:
    - name: api
      lifecycle:
        preStop:
          exec:
            command: ["sleep", "5"]
${FENCE}

Without the \`preStop\` delay, kube-proxy may still route new connections to a pod that has already closed its listener, which shows up as connection-refused errors during rollouts (see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
`,
];
let answer = GOOD_ANSWERS.implementation.answer;
for (let i = 0; encoder.encode(answer).length < TARGET_TOKENS; i++) answer += `\n${extraSections[i % extraSections.length]}`;
const tokens = encoder.encode(answer).length;
const classification = classify(query, { type: 'implementation' });
const other = GOOD_ANSWERS.implementation.answer;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Runs TRIALS trials of ITERATIONS calls and reports the median trial, so one burst of load from
 * another process on a shared machine does not decide the p99 (the worst trial is shown too).
 */
const TRIALS = 5;
function measure(label: string, fn: () => unknown) {
  for (let i = 0; i < 300; i++) fn(); // warm-up
  let sink = 0;
  const trials = [];
  const cpuStart = process.cpuUsage();
  for (let trial = 0; trial < TRIALS; trial++) {
    const samples: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const start = performance.now();
      if (fn()) sink++;
      samples.push((performance.now() - start) * 1000);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    trials.push({ p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1) ?? NaN, mean });
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuPerCall = (cpu.user + cpu.system) / (TRIALS * ITERATIONS);
  trials.sort((a, b) => a.p99 - b.p99);
  const median = trials[Math.floor(TRIALS / 2)] ?? trials[0]!;
  return { label, ...median, worstP99: trials.at(-1)?.p99 ?? NaN, cpuPerCall, sink };
}

const baseline = measure('baseline: answer.split(/\\s+/)', () => answer.split(/\s+/).length);
const evaluate = measure('evaluateQuality', () => evaluateQuality({ query, answer, classification, finishReason: 'stop' }));
const agreement = measure('agreementScore (vs the 900-token sample)', () => agreementScore(answer, other));

const result = evaluateQuality({ query, answer, classification, finishReason: 'stop' });
const us = (value: number) => `${value.toFixed(1)} µs`;
console.log(
  `\nQuality evaluation latency: ${tokens}-token answer (${answer.length} chars), median of ${TRIALS} trials × ${ITERATIONS} calls, ` +
    `Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
);
console.log('| case | p50 | p99 | worst-trial p99 | mean | CPU per call | p50 ratio vs baseline | p99 ratio vs baseline |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of [baseline, evaluate, agreement]) {
  console.log(
    `| ${row.label} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.worstP99)} | ${us(row.mean)} | ${us(row.cpuPerCall)} | ` +
      `${(row.p50 / baseline.p50).toFixed(1)}× | ${(row.p99 / baseline.p99).toFixed(1)}× |`,
  );
}
console.log(`\np99 target < 2 ms (wall clock, median trial): ${evaluate.p99 < 2000 ? 'met' : 'MISSED'} (${us(evaluate.p99)})`);
console.log(`composite of the benchmark answer: ${result.composite}, issues: ${JSON.stringify(result.issues)}`);
