import { describe, expect, it } from 'vitest';
import type { LearningInput, LearningRecord } from '../../infrastructure/storage/repositories/learning.js';
import { createSeededRandom } from '../../core/seeded-random.js';
import type { LearnedObservation } from '../../infrastructure/routing/learned-state.js';
import type { RouterOptions } from './router.js';
import { createRouter } from './router.js';
import type { SelectionOptions } from './selection-options.js';

const selection = (overrides: Partial<SelectionOptions> = {}): SelectionOptions => ({
  type: 'performance_optimized',
  criteria: { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 },
  windowMs: 3_600_000,
  minSamples: 10,
  adaptiveSelection: false,
  qualityThreshold: 0.8,
  latencyThresholdMs: 2_000,
  ...overrides,
});

function memoryLearning() {
  const rows: LearningRecord[] = [];
  return {
    rows,
    insert(input: LearningInput) {
      const record: LearningRecord = {
        id: String(rows.length + 1),
        learningType: input.learningType,
        subject: input.subject,
        before: input.before ?? null,
        after: input.after ?? null,
        confidenceScore: input.confidenceScore,
        outcome: input.outcome ?? null,
        createdAt: input.createdAt ?? 0,
      };
      rows.push(record);
      return Promise.resolve(record);
    },
    listRecent(options: { limit?: number } = {}) {
      return Promise.resolve([...rows].reverse().slice(0, options.limit ?? 50));
    },
  };
}

function setup(options: Partial<RouterOptions> = {}, extra: { paused?: Set<string> } = {}) {
  let now = 1_700_000_000_000;
  const learning = memoryLearning();
  const router = createRouter(
    { providers: ['openai', 'claude', 'gemini'], selection: selection(), ...options },
    { now: () => now, random: createSeededRandom(3), learning, budget: { pausedProviders: () => extra.paused ?? new Set() } },
  );
  const feed = (provider: string, count: number, call: { latencyMs: number; ok?: boolean; quality?: number; costUsd?: number; researchType?: string; model?: string }) => {
    for (let index = 0; index < count; index++) {
      now += 1_000;
      router.record({ provider, researchType: call.researchType ?? 'implementation', latencyMs: call.latencyMs, ok: call.ok ?? true, quality: call.quality, costUsd: call.costUsd ?? 0.001, model: call.model });
    }
  };
  return { router, learning, feed, advance: (ms: number) => (now += ms) };
}

describe('router', () => {
  it('ranks by what it measured, per research type', () => {
    const { router, feed } = setup();
    feed('openai', 20, { latencyMs: 1_500, quality: 0.9 });
    feed('claude', 20, { latencyMs: 500, quality: 0.9 });
    feed('gemini', 20, { latencyMs: 900, quality: 0.9 });
    feed('gemini', 20, { latencyMs: 300, quality: 0.95, researchType: 'learning' });
    const plan = router.plan({ researchType: 'implementation' });
    expect(plan.order).toEqual(['claude', 'gemini', 'openai']);
    expect(plan.reasons[0]).toMatchObject({ provider: 'claude', code: 'ranked' });
    expect(plan.scores.claude).toBeGreaterThan(plan.scores.gemini!);
    expect(router.plan({ researchType: 'learning' }).order[0]).toBe('gemini');
  });

  it('skips providers paused by the budget and honours a preferred provider', () => {
    const { router, feed } = setup({}, { paused: new Set(['claude']) });
    feed('claude', 20, { latencyMs: 200, quality: 0.95 });
    const plan = router.plan({ researchType: 'decision', preferred: 'gemini' });
    expect(plan.order).not.toContain('claude');
    expect(plan.order[0]).toBe('gemini');
    expect(plan.reasons.map((reason) => `${reason.provider}:${reason.code}`)).toEqual(expect.arrayContaining(['gemini:preferred', 'claude:budget_paused']));
    expect(router.plan({ researchType: 'decision', preferred: 'claude' }).order).not.toContain('claude');
  });

  it('hands each adaptation to `recordLearning` when given, instead of one insert each', () => {
    let now = 1_700_000_000_000;
    const learning = memoryLearning();
    const recorded: LearningInput[] = [];
    const router = createRouter(
      { providers: ['openai', 'claude', 'gemini'], selection: selection() },
      { now: () => now, random: createSeededRandom(3), learning, recordLearning: (input) => recorded.push(input) },
    );
    const feed = (provider: string, count: number, latencyMs: number, ok = true) => {
      for (let index = 0; index < count; index++) {
        now += 1_000;
        router.record({ provider, researchType: 'implementation', latencyMs, ok, quality: 0.9, costUsd: 0.001 });
      }
    };
    feed('openai', 30, 500);
    feed('claude', 30, 800);
    feed('gemini', 30, 900);
    feed('openai', 60, 3_000, false);
    expect(learning.rows).toEqual([]);
    expect(recorded.some((input) => input.learningType === 'routing_rank' && input.subject === 'implementation' && input.outcome === 'applied')).toBe(true);
    expect(recorded.some((input) => input.learningType === 'performance_change' && input.subject === 'openai')).toBe(true);
    expect(recorded.every((input) => input.createdAt !== undefined && input.confidenceScore >= 0 && input.confidenceScore <= 1)).toBe(true);
  });

  it('records a rank change for a research type in learning_data, with its confidence', async () => {
    const { router, feed, learning } = setup();
    feed('openai', 30, { latencyMs: 500, quality: 0.9 });
    feed('claude', 30, { latencyMs: 800, quality: 0.9 });
    feed('gemini', 30, { latencyMs: 900, quality: 0.9 });
    expect(learning.rows.filter((row) => row.learningType === 'routing_rank')).toEqual([]);
    feed('openai', 60, { latencyMs: 3_000, ok: false });
    await Promise.resolve();
    const changes = learning.rows.filter((row) => row.learningType === 'routing_rank');
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes[0]).toMatchObject({ subject: 'implementation', before: { provider: 'openai' }, after: { provider: 'claude' }, outcome: 'applied' });
    expect(changes[0]!.confidenceScore).toBeGreaterThan(0.5);
    expect(learning.rows.some((row) => row.learningType === 'performance_change' && row.subject === 'openai')).toBe(true);
    const status = await router.learningStatus();
    expect(status.adaptations.map((entry) => entry.learningType)).toContain('routing_rank');
    expect(status.history!.length).toBe(learning.rows.length);
    const openai = status.estimates.find((entry) => entry.provider === 'openai' && entry.researchType === 'implementation')!;
    expect(openai.availability).toBeLessThan(0.5);
    expect(openai.rank).toBe(3);
  });

  it('learns quality from user feedback (rating 1–5)', async () => {
    const { router, feed } = setup({ strategy: 'cost_quality_balanced', costQuality: { costWeight: 0.3, qualityWeight: 0.7 } });
    feed('openai', 15, { latencyMs: 500, quality: 0.9, costUsd: 0.002 });
    feed('claude', 15, { latencyMs: 500, quality: 0.9, costUsd: 0.002 });
    feed('gemini', 15, { latencyMs: 500, quality: 0.9, costUsd: 0.002 });
    for (let index = 0; index < 10; index++) router.recordFeedback({ provider: 'openai', researchType: 'implementation', rating: 1 });
    for (let index = 0; index < 10; index++) router.recordFeedback({ provider: 'claude', researchType: 'implementation', rating: 5 });
    const plan = router.plan({ researchType: 'implementation' });
    expect(plan.order[0]).toBe('claude');
    expect(plan.order[2]).toBe('openai');
    const status = await router.learningStatus();
    const estimate = (provider: string) => status.estimates.find((entry) => entry.provider === provider && entry.researchType === 'implementation')!;
    expect(estimate('claude').quality).toBeGreaterThan(0.9);
    expect(estimate('openai').quality).toBeLessThan(0.5);
    expect(estimate('openai').qualitySamples).toBe(25);
  });

  it('switches a provider to its cost_optimized model once measured quality holds, and back when it drops', async () => {
    const { router, feed, learning } = setup({ models: { openai: { defaultModel: 'gpt-4', costOptimizedModel: 'gpt-3.5-turbo', qualityThreshold: 0.8 } } });
    expect(router.plan({ researchType: 'learning' }).models.openai).toBe('gpt-4');
    feed('openai', 12, { latencyMs: 600, quality: 0.88, model: 'gpt-3.5-turbo', researchType: 'learning' });
    const plan = router.plan({ researchType: 'learning' });
    expect(plan.models.openai).toBe('gpt-3.5-turbo');
    expect(plan.modelChoices.openai).toMatchObject({ reason: 'cost_optimized_quality_ok', samples: 12 });
    expect(router.plan({ researchType: 'decision' }).models.openai).toBe('gpt-4'); // per research type
    feed('openai', 30, { latencyMs: 600, quality: 0.6, model: 'gpt-3.5-turbo', researchType: 'learning' });
    expect(router.plan({ researchType: 'learning' }).models.openai).toBe('gpt-4');
    await Promise.resolve();
    const switches = learning.rows.filter((row) => row.learningType === 'model_selection').map((row) => (row.after as { model: string }).model);
    expect(switches).toEqual(['gpt-3.5-turbo', 'gpt-4']);
  });

  it('with adaptive_selection a newly added provider is tried although others are well known', () => {
    const { router, feed } = setup({ selection: selection({ adaptiveSelection: true }), providers: ['openai', 'claude', 'newcomer'] });
    feed('openai', 200, { latencyMs: 700, quality: 0.9 });
    feed('claude', 200, { latencyMs: 900, quality: 0.9 });
    let tried = 0;
    for (let index = 0; index < 300; index++) {
      const plan = router.plan({ researchType: 'implementation' });
      if (plan.order[0] === 'newcomer') {
        tried += 1;
        expect(plan.explored).toEqual(['newcomer']);
      }
    }
    expect(tried).toBeGreaterThan(10);
    expect(tried).toBeLessThan(250);
  });

  it('round_robin and fixed_order ignore measurements', () => {
    const rr = setup({ strategy: 'round_robin' });
    expect([0, 1, 2, 3].map(() => rr.router.plan({ researchType: 'decision' }).order[0])).toEqual(['openai', 'claude', 'gemini', 'openai']);
    const fixed = setup({ selection: selection({ type: 'fixed_order', order: ['gemini', 'openai'] }) });
    fixed.feed('gemini', 20, { latencyMs: 5_000, ok: false });
    expect(fixed.router.plan({ researchType: 'decision' }).order).toEqual(['gemini', 'openai', 'claude']);
  });

  it('plans a single candidate without drawing estimates when the caller reads only the order', () => {
    let draws = 0;
    const router = createRouter(
      { providers: ['openai', 'claude'], selection: selection({ adaptiveSelection: true }), models: { claude: { defaultModel: 'claude-3-5-sonnet-20241022', qualityThreshold: 0.8 } } },
      { random: () => (draws++, 0.5), budget: { pausedProviders: () => new Set(['openai']) } },
    );
    router.applyChanges([{ kind: 'use_model', provider: 'claude', model: 'claude-3-haiku-20240307' }]);
    const first = router.plan({ researchType: 'decision', orderOnly: true });
    const second = router.plan({ researchType: 'decision', orderOnly: true });
    expect(first.order).toEqual(['claude']);
    expect(first.models).toEqual({ claude: 'claude-3-haiku-20240307' });
    expect(first.order).not.toBe(second.order); // a fresh order per call: callers key per-call state by it
    expect(draws).toBe(0);
    // Without the flag the same plan is ranked (and drawn) as before, with its reasons.
    const full = router.plan({ researchType: 'decision' });
    expect(full.order).toEqual(['claude']);
    expect(full.reasons.map((reason) => reason.code)).toEqual(['ranked', 'budget_paused']);
    expect(draws).toBeGreaterThan(0);
  });

  it('applies optimisation changes: a preferred provider per research type and a pinned model', () => {
    const { router, feed } = setup();
    feed('openai', 20, { latencyMs: 400, quality: 0.9 });
    router.applyChanges([
      { kind: 'prefer_provider', researchType: 'learning', provider: 'gemini', instead: 'openai' },
      { kind: 'use_model', provider: 'claude', model: 'claude-3-haiku-20240307' },
    ]);
    const plan = router.plan({ researchType: 'learning' });
    expect(plan.order[0]).toBe('gemini');
    expect(plan.reasons[0]).toMatchObject({ provider: 'gemini', code: 'optimization_applied' });
    expect(plan.models.claude).toBe('claude-3-haiku-20240307');
    expect(router.plan({ researchType: 'implementation' }).order[0]).toBe('openai');
  });
});

describe('learning status rendering', () => {
  it('renders estimates and adaptations as a table, CSV or JSON', async () => {
    const { renderLearningStatus } = await import('./learning-render.js');
    const { router, feed } = setup();
    feed('openai', 30, { latencyMs: 500, quality: 0.9 });
    feed('claude', 30, { latencyMs: 800, quality: 0.9 });
    feed('openai', 60, { latencyMs: 3_000, ok: false });
    const status = await router.learningStatus();
    const table = renderLearningStatus(status);
    expect(table).toContain('Strategy: performance_optimized');
    expect(table).toContain('routing_rank');
    expect(renderLearningStatus(status, 'csv').split('\n')[0]).toBe('research type,rank,provider,score,calls,availability,latency ms,USD / call,quality,quality scores');
    expect(JSON.parse(renderLearningStatus(status, 'json'))).toMatchObject({ strategy: 'performance_optimized' });
  });
});

describe('router with a learned-state exchange', () => {
  it('publishes what it observes and learns from what others observed, without logging their adaptations as its own', async () => {
    const now = 1_700_000_000_000;
    const published: LearnedObservation[] = [];
    let deliver: ((observation: LearnedObservation) => void) | undefined;
    const learning = memoryLearning();
    const router = createRouter(
      { providers: ['openai', 'claude'], selection: selection({ minSamples: 1 }) },
      {
        now: () => now,
        random: createSeededRandom(3),
        learning,
        learnedState: { publish: (observation) => published.push(observation), subscribe: (apply) => (deliver = apply) },
      },
    );
    router.record({ provider: 'openai', researchType: 'implementation', latencyMs: 900, ok: true, quality: 0.8, costUsd: 0.001 });
    router.recordFeedback({ provider: 'openai', researchType: 'implementation', rating: 5 });
    expect(published).toEqual([
      { kind: 'call', provider: 'openai', researchType: 'implementation', at: now, ok: true, latencyMs: 900, costUsd: 0.001 },
      { kind: 'quality', provider: 'openai', researchType: 'implementation', model: undefined, score: 0.8, source: 'evaluator' },
      { kind: 'quality', provider: 'openai', researchType: 'implementation', model: undefined, score: 1, source: 'feedback' },
    ]);
    const rowsBefore = learning.rows.length;
    for (let index = 0; index < 30; index++) {
      deliver!({ kind: 'call', provider: 'claude', researchType: 'implementation', at: now - index, ok: true, latencyMs: 100, costUsd: 0.001 });
      deliver!({ kind: 'quality', provider: 'claude', researchType: 'implementation', score: 0.95, source: 'evaluator' });
    }
    expect(published).toHaveLength(3); // nothing absorbed is published back
    expect(learning.rows.length).toBe(rowsBefore);
    const claude = (await router.learningStatus()).estimates.find((estimate) => estimate.provider === 'claude');
    expect(claude).toMatchObject({ samples: 30, qualitySamples: 30 });
    expect(router.plan({ researchType: 'implementation' }).order[0]).toBe('claude');
  });
});
