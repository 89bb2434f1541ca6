import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResearchType } from '../../src/core/research.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { ProviderRequestInput } from '../../src/infrastructure/storage/repositories/provider-requests.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { analyzeCosts, costTrends } from '../../src/pipeline/budget/analysis/cost-analysis.js';
import { costReport } from '../../src/pipeline/budget/analysis/cost-report.js';
import { modelQuality } from '../../src/pipeline/budget/analysis/model-quality.js';
import { applyOptimizations, recommendOptimizations } from '../../src/pipeline/budget/analysis/optimizations.js';
import { renderCostAnalysis, renderCostTrends, renderOptimizationPlan, renderProviderAnalysis } from '../../src/pipeline/budget/analysis/render.js';
import { createPriceResolver } from '../../src/pipeline/budget/price-resolver.js';
import { analyzeProviders } from '../../src/pipeline/routing/provider-analysis.js';

const NOW = Date.UTC(2025, 4, 10, 12);
const DAY = 86_400_000;
const prices = createPriceResolver();

/** A call of 1 000 input and 500 output tokens at the model's built-in price. */
function call(provider: string, model: string, researchType: ResearchType, userId: string, createdAt: number, extra: Partial<ProviderRequestInput> = {}): ProviderRequestInput {
  const usage = { inputTokens: 1_000, outputTokens: 500 };
  return { provider, model, researchType, userId, createdAt, latencyMs: 800, status: 'ok', ...usage, costUsd: prices.costOf(model, usage, provider), ...extra };
}
const times = <T>(count: number, make: (index: number) => T) => Array.from({ length: count }, (_, index) => make(index));

let directory: string;
let storage: Storage;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-costs-'));
  storage = await createDatabase({ sqlitePath: join(directory, 'costs.db') });
  await storage.migrate();
  await storage.providerRequests.insertMany([
    ...times(10, (index) => call('openai', 'gpt-4', 'decision', 'alice', NOW - (index + 1) * 3_600_000, { latencyMs: 1_500 })),
    ...times(5, (index) => call('openai', 'gpt-4', 'learning', 'alice', NOW - (index + 1) * DAY, { latencyMs: 1_400 })),
    ...times(10, (index) => call('claude', 'claude-3-haiku-20240307', 'decision', 'bob', NOW - (index + 1) * 7_200_000, { latencyMs: 600 })),
    call('claude', 'claude-3-haiku-20240307', 'decision', 'bob', NOW - 3 * DAY, { status: 'error', errorClass: 'server', costUsd: 0, outputTokens: 0, latencyMs: 3_000 }),
    call('openai', 'gpt-4', 'decision', 'alice', NOW - 40 * DAY), // outside 30 days
  ]);
  const score = (provider: string, model: string, researchType: 'decision' | 'learning', compositeScore: number) =>
    times(6, (index) => storage.qualityMetrics.insert({ provider, model, researchType, compositeScore, dimensionScores: {}, source: 'evaluator', timestamp: NOW - (index + 1) * 3_600_000 }));
  await Promise.all([
    ...score('openai', 'gpt-4', 'decision', 0.92),
    ...score('claude', 'claude-3-haiku-20240307', 'decision', 0.9),
    ...score('openai', 'gpt-4', 'learning', 0.9),
    ...score('openai', 'gpt-3.5-turbo', 'learning', 0.88),
  ]);
});

afterAll(async () => {
  await storage?.close();
  rmSync(directory, { recursive: true, force: true });
});

const deps = () => ({ requests: storage.providerRequests, now: () => NOW });
const GPT4 = 0.06; // 1 000 × 30 + 500 × 60 per million
const HAIKU = 0.000875; // 1 000 × 0.25 + 500 × 1.25 per million

describe('costs analyze', () => {
  it('totals the window and breaks it down by provider, user and query type', async () => {
    const analysis = await analyzeCosts(deps(), { timeRange: '30d', breakdown: 'provider,user,query_type' });
    expect(analysis.totals.requests).toBe(26);
    expect(analysis.totals.errors).toBe(1);
    expect(analysis.totals.costUsd).toBeCloseTo(15 * GPT4 + 10 * HAIKU, 9);
    expect(analysis.breakdowns.map((entry) => entry.name)).toEqual(['provider', 'user', 'query_type']);
    const provider = analysis.breakdowns[0]!.rows;
    expect(provider.map((row) => row.key)).toEqual(['openai', 'claude']);
    expect(provider[0]!.costShare).toBeCloseTo((15 * GPT4) / (15 * GPT4 + 10 * HAIKU), 9);
    expect(analysis.breakdowns[2]!.rows.find((row) => row.key === 'learning')).toMatchObject({ requests: 5 });
    expect(analysis.breakdowns[1]!.rows.find((row) => row.key === 'bob')!.costPerRequestUsd).toBeCloseTo((10 * HAIKU) / 11, 12);
    const table = renderCostAnalysis(analysis, 'table');
    expect(table).toContain('openai');
    expect(renderCostAnalysis(analysis, 'csv').split('\n')[0]).toBe('breakdown,key,requests,errors,input tokens,output tokens,cost USD,share,USD / request');
    // "average per day" divides by the days with requests, not the 30 days of the range.
    const ranged = await analyzeCosts(deps(), { timeRange: '30d' });
    const activeDays = ranged.daily.filter((day) => day.requests > 0).length;
    expect(activeDays).toBeGreaterThan(1);
    expect(activeDays).toBeLessThan(10);
    expect(ranged.totals.daysWithData).toBe(activeDays);
    expect(ranged.totals.averageDailyCostUsd).toBeCloseTo(ranged.totals.costUsd / activeDays, 9);
    expect(renderCostAnalysis(ranged)).toContain(`USD a day over the ${activeDays} day(s) with recorded requests`);
    const empty = await analyzeCosts({ requests: storage.providerRequests, now: () => NOW + 400 * DAY }, { timeRange: '1d' });
    expect(empty.totals).toMatchObject({ daysWithData: 0, averageDailyCostUsd: 0 });
    await expect(analyzeCosts(deps(), { breakdown: 'provider,planet' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(analyzeCosts(deps(), { timeRange: 'soon' })).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('costs optimize / apply-optimizations', () => {
  const optimizationDeps = () => ({
    requests: storage.providerRequests,
    quality: (window: { from: number; to: number }) => storage.qualityMetrics.aggregate(window),
    modelQuality: (window: { from: number; to: number }) => modelQuality(storage.db, window),
    prices,
    now: () => NOW,
  });

  it('routes a research type to a cheaper provider whose measured quality holds, projecting the savings', async () => {
    const plan = await recommendOptimizations(optimizationDeps(), { targetReduction: 0.2, maintainQuality: 0.85 });
    expect(plan.totalCostUsd).toBeCloseTo(15 * GPT4 + 10 * HAIKU, 9);
    expect(plan.meetsTarget).toBe(true);
    const first = plan.recommendations[0]!;
    expect(first).toMatchObject({ kind: 'route', researchType: 'decision', from: { provider: 'openai', model: 'gpt-4' }, to: { provider: 'claude', model: 'claude-3-haiku-20240307' }, requests: 10 });
    expect(first.projectedSavingsUsd).toBeCloseTo(10 * (GPT4 - HAIKU), 9);
    expect(first.qualityImpact).toBeCloseTo(0.9 - 0.92, 9);
    expect(first.confidence).toBeCloseTo(6 / 11, 9);
    expect(plan.recommendations).toHaveLength(1); // the target is met by the first
    expect(renderOptimizationPlan(plan)).toContain('target met');
  });

  it('switches a provider to its cheaper model for a type when that model’s quality holds', async () => {
    const plan = await recommendOptimizations(optimizationDeps(), { targetReduction: 0.99, maintainQuality: 0.85 });
    const modelSwitch = plan.recommendations.find((entry) => entry.kind === 'switch_model')!;
    expect(modelSwitch).toMatchObject({ researchType: 'learning', from: { provider: 'openai', model: 'gpt-4' }, to: { provider: 'openai', model: 'gpt-3.5-turbo' } });
    expect(modelSwitch.projectedCostUsd).toBeCloseTo(5 * (1_000 * 0.5 + 500 * 1.5) / 1e6, 12);
    expect(plan.recommendations).toHaveLength(2);
    expect(plan.projectedReduction).toBeCloseTo((10 * (GPT4 - HAIKU) + 5 * (GPT4 - 0.00125)) / plan.totalCostUsd, 9);
    expect(plan.meetsTarget).toBe(false); // 99 % is not reachable
  });

  it('recommends nothing when no destination keeps the quality', async () => {
    const plan = await recommendOptimizations(optimizationDeps(), { targetReduction: 0.2, maintainQuality: 0.95 });
    expect(plan.recommendations).toEqual([]);
    expect(plan.meetsTarget).toBe(false);
  });

  it('turns recommendations into router changes and records them in learning_data (pending or applied)', async () => {
    const plan = await recommendOptimizations(optimizationDeps(), { targetReduction: 0.9, maintainQuality: 0.85 });
    const pending = await applyOptimizations(plan.recommendations, { autoApprove: false }, { learning: storage.learning, now: () => NOW });
    expect(pending.applied).toBe(false);
    expect(pending.changes).toEqual([
      { kind: 'prefer_provider', researchType: 'decision', provider: 'claude', instead: 'openai' },
      { kind: 'use_model', provider: 'openai', researchType: 'learning', model: 'gpt-3.5-turbo' },
    ]);
    const applied = await applyOptimizations(plan.recommendations.slice(0, 1), { autoApprove: true }, { learning: storage.learning, now: () => NOW + 1 });
    expect(applied.recorded).toBe(1);
    const rows = await storage.learning.listRecent({ learningType: 'cost_optimization' });
    expect(rows.map((row) => row.outcome)).toEqual(['applied', null, null]);
    expect(rows[0]).toMatchObject({ subject: 'decision:openai', after: { provider: 'claude' } });
  });
});

describe('costs trends and report', () => {
  it('compares days and periods against the alert threshold', async () => {
    const local = await createDatabase({ sqlitePath: join(directory, 'trends.db') });
    await local.migrate();
    const spend = (daysAgo: number, usd: number) => ({ provider: 'p', model: 'm', latencyMs: 1, status: 'ok' as const, costUsd: usd, createdAt: NOW - daysAgo * DAY - 3_600_000 });
    await local.providerRequests.insertMany([spend(3, 1), spend(2, 1), spend(1, 1.5), spend(0, 1.2), spend(10, 2)]);
    const trends = await costTrends({ requests: local.providerRequests, now: () => NOW }, { timeRange: '7d', alertThreshold: 1.2 });
    expect(trends.days.map((day) => day.day)).toEqual(['2025-05-03', '2025-05-04', '2025-05-05', '2025-05-06', '2025-05-07', '2025-05-08', '2025-05-09', '2025-05-10']);
    expect(trends.days.slice(-4).map((day) => day.costUsd)).toEqual([1, 1, 1.5, 1.2]);
    const ratios = trends.days.slice(-3).map((day) => day.dayOverDay!);
    [1, 1.5, 0.8].forEach((ratio, index) => expect(ratios[index]).toBeCloseTo(ratio, 9));
    expect(trends.days[0]!.dayOverDay).toBeUndefined();
    expect(trends.days.filter((day) => day.alert).map((day) => day.day)).toEqual(['2025-05-09']);
    expect(trends.currentPeriodCostUsd).toBeCloseTo(4.7, 9);
    expect(trends.previousPeriodCostUsd).toBeCloseTo(2, 9);
    expect(trends.periodRatio).toBeCloseTo(2.35, 9);
    expect(trends.alerts).toHaveLength(2);
    expect(renderCostTrends(trends)).toContain('ALERT period cost 2.35×');
    await local.close();
  });

  it('exports the report as CSV, JSON or a table', async () => {
    const csv = await costReport(deps(), { format: 'csv', timeRange: '30d' });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('provider,model,user,research_type,requests,errors,cached_requests,input_tokens,output_tokens,cost_usd');
    expect(lines[1]).toBe(`openai,gpt-4,alice,decision,10,0,0,10000,5000,${10 * GPT4}`);
    expect(lines).toHaveLength(4);
    const json = JSON.parse(await costReport(deps(), { format: 'json' })) as { provider: string; requests: number }[];
    expect(json.map((row) => `${row.provider}:${row.requests}`)).toEqual(['openai:10', 'openai:5', 'claude:11']);
    expect(await costReport(deps(), { format: 'table' })).toContain('claude-3-haiku-20240307');
  });
});

describe('benchmark analyze-providers', () => {
  it('scores and ranks providers by measured latency, availability, cost and quality', async () => {
    const analysis = await analyzeProviders(
      { requests: storage.providerRequests, quality: (window) => storage.qualityMetrics.aggregate(window), now: () => NOW },
      { timeRange: '30d', qualityThreshold: 0.91, latencyThresholdMs: 1_200 },
    );
    expect(analysis.providers.map((row) => row.provider)).toEqual(['claude', 'openai']);
    const [claude, openai] = analysis.providers;
    expect(claude).toMatchObject({ rank: 1, requests: 11, latencyP50Ms: 600 });
    expect(claude!.availability).toBeCloseTo(10 / 11, 9);
    expect(claude!.costPerRequestUsd).toBeCloseTo(HAIKU, 12);
    expect(openai!.quality).toBeCloseTo((6 * 0.92 + 6 * 0.9 + 6 * 0.88) / 18, 9);
    expect(openai!.terms.latency).toBeCloseTo(claude!.latencyMeanMs / openai!.latencyMeanMs, 9);
    expect(analysis.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^claude: quality 0\.900 is below/), expect.stringMatching(/^openai: mean latency \d+ ms is above/), expect.stringMatching(/^claude: 9\.1 % of calls failed/)]),
    );
    expect(renderProviderAnalysis(analysis)).toContain('note: ');
  });
});
