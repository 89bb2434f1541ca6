/**
 * Cost of one dashboard poll on the server: `GET /api/dashboard/snapshot` summarises the rolling
 * window with one point per bucket and serialises it, every 2 s per open dashboard. Measured on
 * a full hour of synthetic traffic (360 buckets × 3 providers, ~200 requests per bucket), against
 * the baseline of the same summary without the timeline (what the SLA engine reads).
 *
 *   node --import tsx bench/dashboard-snapshot.ts
 */
import { createMetrics } from '../src/infrastructure/metrics/create-metrics.js';
import { buildDashboardSnapshot } from '../src/interface/dashboard/dashboard-snapshot.js';
import type { SlaTargets } from '../src/operations/sla/alert-rules.js';

const TARGETS: SlaTargets = {
  apiResponseTimeMs: { p50: 100, p95: 200, p99: 500 },
  providerResponseTimeMs: { p50: 1000, p95: 3000, p99: 5000 },
  qualityEvaluationTimeMs: { p50: 50, p95: 100, p99: 200 },
  systemAvailability: 0.999,
  errorRate: { op: '<', value: 0.001, unit: '%' },
};

const HOUR = 3_600_000;
const end = Math.floor(Date.now() / 10_000) * 10_000;
let now = end - HOUR + 1;
const metrics = createMetrics({ window: { bucketMs: 10_000, windowMs: HOUR } }, { now: () => now });
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
for (; now < end; now += 50) {
  metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: random() < 0.001 ? 500 : 200, durationMs: 5 + random() * 200 });
  if (random() < 0.5) {
    const provider = ['openai', 'claude', 'gemini'][Math.floor(random() * 3)]!;
    metrics.observeProviderCall({ provider, model: `${provider}-m`, outcome: 'success', durationMs: 50 + random() * 900, costUsd: random() * 0.01, inputTokens: 500, outputTokens: 300 });
    metrics.observeQualityEvaluation({ researchType: 'implementation', durationMs: random() * 10, score: 0.7 + random() * 0.3, provider });
  }
  metrics.observeCacheLookup({ strategy: 'query_results', result: random() < 0.4 ? 'hit' : 'miss' });
}
now = end;

function time(label: string, work: () => unknown, iterations: number): { label: string; ms: number; bytes: number } {
  let bytes = 0;
  for (let index = 0; index < 5; index++) bytes = JSON.stringify(work()).length; // warm-up
  const started = performance.now();
  for (let index = 0; index < iterations; index++) bytes = JSON.stringify(work()).length;
  return { label, ms: (performance.now() - started) / iterations, bytes };
}

const baseline = time('window summary, 15 min, no timeline (baseline)', () => metrics.snapshot({ spanMs: 900_000, now: end }), 50);
const sla = time('window summary, 60 s (what the SLA engine reads every 10 s)', () => metrics.snapshot({ spanMs: 60_000, now: end }), 50);
const hourPlain = time('window summary, 1 h, no timeline', () => metrics.snapshot({ spanMs: HOUR, now: end }), 50);
const hour = time('dashboard snapshot, 1 h span (360 points)', () => buildDashboardSnapshot({ snapshot: metrics.snapshot({ spanMs: HOUR, timeline: true, now: end }), targets: TARGETS }), 50);
const quarter = time('dashboard snapshot, 15 min span (90 points, the default)', () => buildDashboardSnapshot({ snapshot: metrics.snapshot({ spanMs: 900_000, timeline: true, now: end }), targets: TARGETS }), 50);
metrics.close();

console.log('| work | ms per call | JSON bytes | × baseline |');
console.log('|---|---|---|---|');
for (const row of [sla, baseline, quarter, hourPlain, hour]) console.log(`| ${row.label} | ${row.ms.toFixed(2)} | ${row.bytes} | ${(row.ms / baseline.ms).toFixed(2)} |`);
console.log(`\nOne dashboard polling every 2 s at the default span costs ${((quarter.ms / 2000) * 100).toFixed(3)} % of one core.`);
