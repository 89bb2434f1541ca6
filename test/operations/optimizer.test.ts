import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/infrastructure/metrics/create-metrics.js';
import type { Metrics } from '../../src/infrastructure/metrics/metrics.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { OPTIMIZER_LEARNING_TYPE } from '../../src/operations/optimizer/decision-log.js';
import type { Optimization } from '../../src/operations/optimizer/optimization.js';
import { createPerformanceOptimizer } from '../../src/operations/optimizer/performance-optimizer.js';
import type { PerformanceOptimizer } from '../../src/operations/optimizer/performance-optimizer.js';
import { createRouteSteering } from '../../src/operations/optimizer/route-steering.js';
import type { RouteSteering } from '../../src/operations/optimizer/route-steering.js';
import { readMetricsWindow } from '../../src/operations/optimizer/snapshot-window.js';
import { createSeededRandom } from '../../src/core/seeded-random.js';
import { createRouter } from '../../src/pipeline/routing/router.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import { createProviderStack } from '../../src/providers/provider-stack.js';
import type { ManagedProvider } from '../../src/providers/provider-stack.js';
import { startSimulator } from '../../src/providers/simulator/simulator.js';
import type { RunningSimulator } from '../../src/providers/simulator/simulator.js';

/**
 * The proof, with real pieces: three OpenAI-format providers on the simulator behind
 * real provider stacks, the learning router (`performance_optimized`), the metrics rolling
 * window, the optimizer, and SQLite `learning_data`.
 *
 * The router here ranks on cost, quality and availability but not latency (weight 0), so it
 * keeps sending most traffic to the cheap provider however slow it gets: any shift away from
 * the slowed provider is the optimizer's doing, not the router's own learning.
 */

const PROVIDERS = ['alpha', 'beta', 'gamma'] as const;
const COST_USD: Record<string, number> = { alpha: 0.001, beta: 0.00105, gamma: 0.0011 };
const PHASE_MS = 1_500;
const WORKERS = 8;
/** Think time between one worker's calls: a steady load (≤ 400 calls/s) rather than a CPU-bound spin. */
const PACE_MS = 20;
const question = { model: 'sim-model', messages: [{ role: 'user' as const, content: 'How do I cancel a tokio task cleanly?' }], maxTokens: 32 };

let simulator: RunningSimulator;
let transport: HttpTransport;
let stacks: Map<string, ManagedProvider>;
let metrics: Metrics;
let storage: Storage;
let directory: string;
let steering: RouteSteering;
let optimizer: PerformanceOptimizer;
const logged: string[] = [];

/** Calls per provider, by the phase in which the call was planned. */
const counts = new Map<string, Record<string, number>>();
let phase = 'start';
let stopped = false;
let workers: Promise<void>[] = [];

async function worker(): Promise<void> {
  while (!stopped) {
    const plan = steering.router.plan({ researchType: 'implementation' });
    const name = plan.order[0]!;
    const planned = phase;
    const started = performance.now();
    let ok = true;
    try {
      await stacks.get(name)!.chat(question);
    } catch {
      ok = false;
    }
    const latencyMs = performance.now() - started;
    const costUsd = ok ? COST_USD[name]! : 0;
    steering.router.record({ provider: name, researchType: 'implementation', latencyMs, ok, costUsd });
    metrics.observeProviderCall({ provider: name, model: 'sim-model', outcome: ok ? 'success' : 'error', durationMs: latencyMs, costUsd });
    const tally = counts.get(planned) ?? {};
    tally[name] = (tally[name] ?? 0) + 1;
    counts.set(planned, tally);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
}

async function runPhase(name: string): Promise<void> {
  phase = name;
  await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
}

/** Calls per phase, for assertion messages. */
const tallies = () => JSON.stringify(Object.fromEntries(counts));

function share(phaseName: string, provider: string): number {
  const tally = counts.get(phaseName) ?? {};
  const total = Object.values(tally).reduce((sum, value) => sum + value, 0);
  return total === 0 ? Number.NaN : (tally[provider] ?? 0) / total;
}

beforeAll(async () => {
  simulator = await startSimulator({ builtInProviders: false, seed: 5, providers: Object.fromEntries(PROVIDERS.map((name) => [name, { format: 'openai' as const }])) });
  transport = new HttpTransport();
  stacks = new Map(
    PROVIDERS.map((name) => [
      name,
      createProviderStack(
        { name, kind: 'openai', baseUrl: simulator.baseUrlFor(name), apiKey: `sk-test-${name}-0123456789`, simulated: true, totalTimeoutMs: 5_000, retry: { maxRetries: 0 } },
        { transport },
      ),
    ]),
  );
  metrics = createMetrics({ window: { bucketMs: 100, windowMs: 60_000 } });
  directory = await mkdtemp(join(tmpdir(), 'fortitude-optimizer-'));
  storage = await createDatabase({ sqlitePath: join(directory, 'fortitude.db') });
  await storage.migrate();

  const router = createRouter(
    {
      providers: [...PROVIDERS],
      selection: {
        type: 'performance_optimized',
        criteria: { latency: 0, quality: 0.3, cost: 0.6, availability: 0.1 },
        windowMs: 60_000,
        minSamples: 10,
        adaptiveSelection: true,
        qualityThreshold: 0,
        latencyThresholdMs: 0,
      },
      expectedCostUsd: COST_USD,
    },
    { random: createSeededRandom(5) },
  );
  steering = createRouteSteering(router);
  optimizer = createPerformanceOptimizer(
    { intervalMs: PHASE_MS, minSamples: 10, providers: { minCalls: 10, researchTypes: ['implementation'] } },
    {
      readWindow: (request) => readMetricsWindow(metrics, request),
      actions: { applyRouteChanges: (changes) => steering.applyRouteChanges(changes) },
      learning: storage.learning,
      logger: { info: (_, message) => logged.push(message), warn: (_, message) => logged.push(message), error: (_, message) => logged.push(message) },
    },
  );
  workers = Array.from({ length: WORKERS }, () => worker());
});

afterAll(async () => {
  stopped = true;
  await Promise.all(workers);
  await optimizer?.close();
  for (const stack of stacks?.values() ?? []) await stack.close();
  await transport?.close();
  await simulator?.close();
  metrics?.close();
  await storage?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('performance optimizer against the simulator', () => {
  it('shifts traffic away from a provider that slows down, and rolls back a change that did not help', async () => {
    // Connections and JIT warm up outside the measured windows.
    await runPhase('start');
    // Healthy: the cheap provider gets most traffic; the optimizer learns baselines and does nothing.
    await runPhase('warm');
    const warm = await optimizer.runOnce();
    expect(warm.decisions.filter((decision) => decision.outcome === 'applied')).toEqual([]);

    // alpha slows down. The router alone keeps sending it a large share of the calls.
    simulator.setProfile('alpha', { latencyMs: 300 });
    await runPhase('slow');
    const detected = await optimizer.runOnce();
    const applied = detected.decisions.find((decision) => decision.outcome === 'applied');
    expect(applied?.optimization).toMatchObject({ type: 'provider_selection', key: 'provider_selection:avoid:alpha', safe: true, change: { avoid: 'alpha' } });
    expect(applied!.optimization.confidence).toBeGreaterThan(0.9);
    expect(applied!.before!.value).toBeGreaterThan(250);

    // With the shift in force, the next window is judged: the provider p95 fell, so it is kept.
    await runPhase('shifted');
    const judged = await optimizer.runOnce();
    expect(judged.decisions[0]).toMatchObject({ outcome: 'kept', reason: 'improved', optimization: { key: 'provider_selection:avoid:alpha' } });
    expect(judged.decisions[0]!.after!.value).toBeLessThan(applied!.before!.value! * 0.7);

    expect(share('warm', 'alpha'), tallies()).toBeGreaterThan(0.5);
    expect(share('slow', 'alpha'), tallies()).toBeGreaterThan(0.3);
    expect(share('shifted', 'alpha'), tallies()).toBeLessThan(0.02);

    // An operator forces traffic back onto alpha (still slow). It passes the gates, is applied,
    // makes the provider p95 worse, and is rolled back on the next window.
    const forced: Optimization = {
      type: 'provider_selection',
      key: 'provider_selection:operator:prefer-alpha',
      description: 'Operator: send implementation traffic to alpha',
      confidence: 0.95,
      safe: true,
      expectedEffect: 'alpha answers implementation questions',
      target: { name: 'provider_latency_p95', direction: 'decrease' },
      evidence: {},
      change: { avoid: 'beta', prefer: 'alpha', routeChanges: [{ kind: 'prefer_provider', researchType: 'implementation', provider: 'alpha', instead: 'beta' }] },
    };
    optimizer.submit(forced);
    const forcedRun = await optimizer.runOnce();
    expect(forcedRun.decisions.find((decision) => decision.optimization.key === forced.key && decision.outcome === 'applied')).toBeDefined();
    await runPhase('forced');
    const rolled = await optimizer.runOnce();
    expect(rolled.decisions[0]).toMatchObject({ outcome: 'rolled_back', reason: 'worse', optimization: { key: forced.key } });
    expect(rolled.decisions[0]!.after!.value).toBeGreaterThan(250);
    await runPhase('after-rollback');

    expect(share('forced', 'alpha'), tallies()).toBeGreaterThan(0.9);
    expect(share('after-rollback', 'alpha'), tallies()).toBeLessThan(0.02);
    expect(steering.active()).toEqual([{ kind: 'prefer_provider', researchType: 'implementation', provider: applied!.optimization.type === 'provider_selection' ? applied!.optimization.change.prefer : '', instead: 'alpha' }]);

    // Every decision is in SQLite's learning_data, with confidence and before/after metrics.
    const rows = await storage.learning.listRecent({ learningType: OPTIMIZER_LEARNING_TYPE, limit: 100 });
    const outcomes = (subject: string) => rows.filter((row) => row.subject === subject).map((row) => row.outcome).sort();
    // (A noisy healthy window may add a low-confidence proposal that was skipped; never a rollback.)
    expect(outcomes('provider_selection:avoid:alpha')).toEqual(expect.arrayContaining(['applied', 'kept', 'proposed']));
    expect(outcomes('provider_selection:avoid:alpha')).not.toContain('rolled_back');
    expect(outcomes(forced.key)).toEqual(['applied', 'proposed', 'rolled_back']);
    const rollback = rows.find((row) => row.outcome === 'rolled_back')!;
    expect(rollback.confidenceScore).toBeCloseTo(0.95);
    expect(rollback.before).toMatchObject({ metric: 'provider_latency_p95' });
    expect((rollback.before as { value: number }).value).toBeLessThan((rollback.after as { metric: { value: number } }).metric.value / 2);
    expect(rollback.after).toMatchObject({ decision: 'rolled_back', reason: 'worse', type: 'provider_selection' });
    expect((rollback.after as { metric: { value: number } }).metric.value).toBeGreaterThan(250);
    expect(optimizer.history().map((decision) => decision.outcome)).toContain('rolled_back');
    expect(logged.filter((message) => message.includes('could not'))).toEqual([]);
  }, 25_000);
});
