import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classification, QualityBreakdown } from '../../src/core/research.js';
import { decodeFlag, decodeTime } from '../../src/infrastructure/storage/codec.js';
import { hashApiKey } from '../../src/infrastructure/storage/repositories/api-keys.js';
import type { ResearchResultInput } from '../../src/infrastructure/storage/repositories/research-results.js';
import type { ProviderRequestInput } from '../../src/infrastructure/storage/repositories/provider-requests.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { createHarness, ENGINES } from './engines.js';
import type { EngineHarness } from './engines.js';

// One database per engine for the whole file; tests keep apart by unique users, words and windows.
const CLOCK = Date.UTC(2025, 0, 15, 12, 0, 0, 123);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const classification: Classification = {
  researchType: { value: 'troubleshooting', confidence: 0.91, signals: ['keyword:"error"'] },
  audience: { value: 'advanced', confidence: 0.7, signals: [] },
  domain: { value: 'devops', confidence: 0.8, signals: ['keyword:"kubernetes"'] },
  urgency: { value: 'immediate', confidence: 0.6, signals: [] },
};

const quality: QualityBreakdown = { composite: 0.82, dimensions: { relevance: 0.9, completeness: 0.74 }, issues: ['missing_section:Causes'] };

function result(overrides: Partial<ResearchResultInput> = {}): ResearchResultInput {
  return { query: 'a question', researchType: 'learning', answer: 'an answer', provider: 'openai', model: 'gpt-4o-mini', ...overrides };
}

describe.each(ENGINES)('storage repositories on %s', (engine) => {
  let harness: EngineHarness;
  let storage: Storage;

  beforeAll(async () => {
    harness = createHarness(engine);
    storage = await harness.open({ now: () => CLOCK });
    await storage.migrate();
  });

  afterAll(async () => {
    await storage?.close();
    await harness?.destroy();
  });

  describe('research results', () => {
    it('stores every field and returns it unchanged, timestamps as epoch ms', async () => {
      const input: ResearchResultInput = {
        query: '  Why does my Kubernetes pod   CrashLoopBackOff? ',
        researchType: 'troubleshooting',
        classification,
        answer: '## Causes\n\n- OOMKilled\n',
        sections: [{ title: 'Causes', content: '- OOMKilled' }],
        provider: 'anthropic',
        model: 'claude-3-haiku',
        inputTokens: 120,
        outputTokens: 480,
        costUsd: 0.000_731,
        quality,
        timings: { classify: 1.5, provider: 842 },
        cacheKey: 'ck-1',
        userId: 'user-roundtrip',
        slug: 'why-does-my-pod-crash',
        metadata: { simulated: true, attempts: [{ provider: 'openai', outcome: 'server' }] },
        createdAt: 1_700_000_000_123,
      };
      const stored = await storage.researchResults.insert(input);
      expect(stored).toEqual({
        id: expect.any(String),
        createdAt: 1_700_000_000_123,
        query: input.query,
        normalizedQuery: 'why does my kubernetes pod crashloopbackoff?',
        researchType: 'troubleshooting',
        audience: 'advanced',
        domain: 'devops',
        urgency: 'immediate',
        classification,
        answer: input.answer,
        sections: input.sections,
        provider: 'anthropic',
        model: 'claude-3-haiku',
        inputTokens: 120,
        outputTokens: 480,
        costUsd: 0.000_731,
        qualityComposite: 0.82,
        quality,
        timings: input.timings,
        cacheKey: 'ck-1',
        userId: 'user-roundtrip',
        slug: 'why-does-my-pod-crash',
        metadata: { simulated: true, attempts: [{ provider: 'openai', outcome: 'server' }] },
      });
      expect(await storage.researchResults.getById(stored.id)).toEqual(stored);
      expect(await storage.researchResults.getBySlug('why-does-my-pod-crash')).toEqual(stored);
    });

    it('fills defaults: generated id, clock time, empty optional fields', async () => {
      const stored = await storage.researchResults.insert(result({ userId: 'user-defaults' }));
      expect(stored.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(stored.createdAt).toBe(CLOCK);
      expect(stored).toMatchObject({ classification: null, sections: null, quality: null, qualityComposite: null, slug: null, costUsd: 0 });
    });

    it('finds the newest result for a normalised query in the same context only', async () => {
      const normalizedQuery = `what is a borrow ${Math.random()}`;
      const base = { normalizedQuery, researchType: 'learning' as const, audience: 'beginner' as const, domain: 'rust' as const };
      await storage.researchResults.insert(result({ ...base, answer: 'old', createdAt: 1_700_000_000_000 }));
      await storage.researchResults.insert(result({ ...base, answer: 'new', createdAt: 1_700_000_100_000 }));
      await storage.researchResults.insert(result({ ...base, answer: 'tenant', userId: 'alice', createdAt: 1_700_000_200_000 }));
      const context = { researchType: 'learning' as const, audience: 'beginner', domain: 'rust', userId: null, since: 1_699_000_000_000 };
      expect((await storage.researchResults.findLatest(normalizedQuery, context))?.answer).toBe('new');
      expect((await storage.researchResults.findLatest(normalizedQuery, { ...context, userId: 'alice' }))?.answer).toBe('tenant');
      expect(await storage.researchResults.findLatest(normalizedQuery, { ...context, domain: 'python' })).toBeUndefined();
      expect(await storage.researchResults.findLatest(normalizedQuery, { ...context, researchType: 'decision' })).toBeUndefined();
      expect(await storage.researchResults.findLatest(normalizedQuery, { ...context, since: 1_700_000_150_000 })).toBeUndefined();
    });

    it('returns undefined for unknown ids and slugs and rejects a duplicate slug', async () => {
      expect(await storage.researchResults.getById('nope')).toBeUndefined();
      expect(await storage.researchResults.getBySlug('nope')).toBeUndefined();
      await storage.researchResults.insert(result({ slug: 'taken' }));
      await expect(storage.researchResults.insert(result({ slug: 'taken' }))).rejects.toMatchObject({ code: 'bad_request' });
    });

    it('lists newest first with type filter, limit and offset, and counts', async () => {
      const userId = `user-${randomUUID()}`;
      const types = ['decision', 'learning', 'decision', 'validation', 'decision'] as const;
      const ids: string[] = [];
      for (const [index, researchType] of types.entries()) {
        ids.push((await storage.researchResults.insert(result({ userId, researchType, createdAt: CLOCK + index * HOUR }))).id);
      }
      const all = await storage.researchResults.list({ userId });
      expect(all.map((record) => record.id)).toEqual([...ids].reverse());
      const decisions = await storage.researchResults.list({ userId, type: 'decision' });
      expect(decisions.map((record) => record.id)).toEqual([ids[4], ids[2], ids[0]]);
      const page = await storage.researchResults.list({ userId, limit: 2, offset: 1 });
      expect(page.map((record) => record.id)).toEqual([ids[3], ids[2]]);
      expect(await storage.researchResults.count({ userId })).toBe(5);
      expect(await storage.researchResults.count({ userId, type: 'decision' })).toBe(3);
      expect(await storage.researchResults.count()).toBeGreaterThanOrEqual(5);
    });

    it('searches query and answer, ranking query matches and repeated terms higher', async () => {
      const inQuery = await storage.researchResults.insert(
        result({ query: 'zorbulator tuning guide', answer: 'Tune the zorbulator cache before the zorbulator pool.', researchType: 'implementation' }),
      );
      const inAnswer = await storage.researchResults.insert(
        result({ query: 'general performance', answer: 'Many things matter; one of them is the zorbulator among a long list of other settings.' }),
      );
      await storage.researchResults.insert(result({ query: 'unrelated', answer: 'nothing to see' }));

      const hits = await storage.researchResults.search('zorbulator');
      expect(hits.map((hit) => hit.id)).toEqual([inQuery.id, inAnswer.id]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(hits[0]!.answer).toBe(inQuery.answer);

      const typed = await storage.researchResults.search('zorbulator', { type: 'learning' });
      expect(typed.map((hit) => hit.id)).toEqual([inAnswer.id]);
      expect((await storage.researchResults.search('zorbulator', { limit: 1, offset: 1 })).map((hit) => hit.id)).toEqual([inAnswer.id]);
      // The page's total, whatever the page.
      expect(await storage.researchResults.countMatches('zorbulator')).toBe(2);
      expect(await storage.researchResults.countMatches('zorbulator', { type: 'learning' })).toBe(1);
      expect(await storage.researchResults.countMatches('zorbulator nothing', { match: 'any' })).toBe(3);
      expect(await storage.researchResults.countMatches('zorbulator nothing')).toBe(0);
      expect(await storage.researchResults.countMatches('the and of')).toBe(0);
    });

    it('matches all words by default or any word, with stemming, punctuation and stop words handled alike', async () => {
      const streams = await storage.researchResults.insert(result({ query: 'Quuxify Node.js streams', answer: 'Use pipeline() for backpressure.' }));
      const caching = await storage.researchResults.insert(result({ query: 'quuxify caching', answer: 'Responses were cached for 5m.' }));

      expect((await storage.researchResults.search('how do I quuxify the streams?')).map((hit) => hit.id)).toEqual([streams.id]);
      expect((await storage.researchResults.search('node quuxify')).map((hit) => hit.id)).toEqual([streams.id]);
      expect((await storage.researchResults.search('quuxify cache')).map((hit) => hit.id)).toEqual([caching.id]);
      const any = await storage.researchResults.search('backpressure responses', { match: 'any' });
      expect(new Set(any.map((hit) => hit.id))).toEqual(new Set([streams.id, caching.id]));
      expect(await storage.researchResults.search('quuxify streams caching')).toEqual([]);
      expect(await storage.researchResults.search('the and of')).toEqual([]);
      // Query syntax of either engine is inert.
      expect(await storage.researchResults.search('quuxify" OR ( & | ! :* -')).toHaveLength(2);
    });
  });

  describe('feedback', () => {
    it('stores feedback, lists it newest first and averages ratings', async () => {
      const target = await storage.researchResults.insert(result());
      const other = await storage.researchResults.insert(result());
      const userId = `user-${randomUUID()}`;
      const first = await storage.feedback.insert({ resultId: target.id, userId, rating: 5, textFeedback: 'spot on', timestamp: CLOCK - DAY });
      const second = await storage.feedback.insert({ resultId: target.id, userId, rating: 2, feedbackType: 'correction' });
      await storage.feedback.insert({ resultId: other.id, rating: 1 });

      expect(second).toEqual({
        id: expect.any(String),
        resultId: target.id,
        userId,
        rating: 2,
        textFeedback: null,
        feedbackType: 'correction',
        timestamp: CLOCK,
      });
      expect(await storage.feedback.listForResult(target.id)).toEqual([second, first]);
      expect(await storage.feedback.averageRating({ resultId: target.id })).toEqual({ count: 2, average: 3.5 });
      expect(await storage.feedback.averageRating({ userId, from: CLOCK - HOUR, to: CLOCK + HOUR })).toEqual({ count: 1, average: 2 });
      expect(await storage.feedback.averageRating({ userId: 'nobody' })).toEqual({ count: 0, average: null });
    });

    it('rejects ratings outside 1–5 and feedback on unknown results', async () => {
      const target = await storage.researchResults.insert(result());
      for (const rating of [0, 6, 2.5]) {
        await expect(storage.feedback.insert({ resultId: target.id, rating })).rejects.toMatchObject({ code: 'bad_request' });
      }
      await expect(storage.feedback.insert({ resultId: 'missing', rating: 3 })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('searches feedback text', async () => {
      const target = await storage.researchResults.insert(result());
      const hit = await storage.feedback.insert({ resultId: target.id, rating: 2, textFeedback: 'The flimflam example was outdated' });
      await storage.feedback.insert({ resultId: target.id, rating: 4, textFeedback: 'clear and useful' });
      const found = await storage.feedback.search('outdated flimflam');
      expect(found.map((record) => record.id)).toEqual([hit.id]);
    });
  });

  describe('quality metrics', () => {
    it('stores metrics and aggregates per provider and research type within a window', async () => {
      const base = Date.UTC(2031, 0, 1);
      const stored = await storage.qualityMetrics.insert({
        provider: 'qa',
        model: 'm1',
        researchType: 'decision',
        compositeScore: 0.8,
        dimensionScores: { relevance: 0.9 },
        source: 'evaluator',
        timestamp: base,
      });
      expect(stored).toEqual({
        id: expect.any(String),
        resultId: null,
        provider: 'qa',
        model: 'm1',
        researchType: 'decision',
        compositeScore: 0.8,
        dimensionScores: { relevance: 0.9 },
        source: 'evaluator',
        timestamp: base,
      });
      const metric = { model: 'm1', dimensionScores: {}, source: 'evaluator' } as const;
      await storage.qualityMetrics.insert({ ...metric, provider: 'qa', researchType: 'decision', compositeScore: 0.6, timestamp: base + HOUR });
      await storage.qualityMetrics.insert({ ...metric, provider: 'qa', researchType: 'learning', compositeScore: 0.5, timestamp: base });
      await storage.qualityMetrics.insert({ ...metric, provider: 'qb', researchType: 'decision', compositeScore: 0.9, timestamp: base, source: 'feedback' });
      await storage.qualityMetrics.insert({ ...metric, provider: 'qa', researchType: 'decision', compositeScore: 0.1, timestamp: base + DAY });

      const rows = await storage.qualityMetrics.aggregate({ from: base, to: base + DAY });
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatchObject({ provider: 'qa', researchType: 'decision', count: 2, minComposite: 0.6, maxComposite: 0.8 });
      expect(rows[0]!.averageComposite).toBeCloseTo(0.7, 10);
      expect(rows.map((row) => `${row.provider}/${row.researchType}`)).toEqual(['qa/decision', 'qa/learning', 'qb/decision']);
      const feedbackOnly = await storage.qualityMetrics.aggregate({ from: base, to: base + DAY, source: 'feedback' });
      expect(feedbackOnly.map((row) => row.provider)).toEqual(['qb']);
    });

    it('links a metric to a stored result', async () => {
      const target = await storage.researchResults.insert(result());
      const stored = await storage.qualityMetrics.insert({
        resultId: target.id,
        provider: 'qc',
        model: 'm',
        researchType: 'learning',
        compositeScore: 0.7,
        dimensionScores: {},
        source: 'cross_validation',
      });
      expect(stored).toMatchObject({ resultId: target.id, timestamp: CLOCK, source: 'cross_validation' });
      const orphan = { ...stored, id: undefined, resultId: 'missing', timestamp: undefined };
      await expect(storage.qualityMetrics.insert(orphan)).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('provider requests', () => {
    const base = Date.UTC(2032, 5, 1);
    const request = (overrides: Partial<ProviderRequestInput>): ProviderRequestInput => ({
      provider: 'p1',
      model: 'm1',
      latencyMs: 100,
      status: 'ok',
      createdAt: base,
      ...overrides,
    });

    beforeAll(async () => {
      const rows: ProviderRequestInput[] = [
        request({ inputTokens: 100, outputTokens: 10, costUsd: 0.5, userId: 'alice', researchType: 'decision' }),
        request({ inputTokens: 200, outputTokens: 20, costUsd: 0.25, userId: 'bob', researchType: 'decision', createdAt: base + DAY }),
        request({ model: 'm2', inputTokens: 50, outputTokens: 5, costUsd: 1, userId: 'alice', researchType: 'learning', createdAt: base + DAY + HOUR }),
        request({ provider: 'p2', costUsd: 2, userId: 'alice', status: 'error', errorClass: 'server', createdAt: base + 2 * DAY }),
        request({ provider: 'p2', cached: true, userId: 'bob', fallbackFrom: 'p1', createdAt: base + 2 * DAY }),
        request({ costUsd: 100, createdAt: base + 3 * DAY }), // outside the window below
      ];
      expect(await storage.providerRequests.insertMany(rows)).toBe(6);
    });

    const window = { from: base, to: base + 3 * DAY };

    it('sums cost, tokens and counts with no grouping', async () => {
      expect(await storage.providerRequests.costSummary({ ...window, groupBy: [] })).toEqual([
        { requests: 5, errors: 1, cachedRequests: 1, inputTokens: 350, outputTokens: 35, costUsd: 3.75 },
      ]);
      expect(await storage.providerRequests.costSummary({ from: 0, to: 1, groupBy: [] })).toEqual([
        { requests: 0, errors: 0, cachedRequests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
      ]);
    });

    it('groups by any combination of provider, model, user and research type, most expensive first', async () => {
      const byProvider = await storage.providerRequests.costSummary({ ...window, groupBy: ['provider'] });
      expect(byProvider).toEqual([
        { provider: 'p2', requests: 2, errors: 1, cachedRequests: 1, inputTokens: 0, outputTokens: 0, costUsd: 2 },
        { provider: 'p1', requests: 3, errors: 0, cachedRequests: 0, inputTokens: 350, outputTokens: 35, costUsd: 1.75 },
      ]);
      const byProviderModel = await storage.providerRequests.costSummary({ ...window, groupBy: ['provider', 'model'] });
      expect(byProviderModel.map((row) => [row.provider, row.model, row.costUsd])).toEqual([
        ['p2', 'm1', 2],
        ['p1', 'm2', 1],
        ['p1', 'm1', 0.75],
      ]);
      const byUser = await storage.providerRequests.costSummary({ ...window, groupBy: ['user'] });
      expect(byUser.map((row) => [row.user, row.requests, row.costUsd])).toEqual([
        ['alice', 3, 3.5],
        ['bob', 2, 0.25],
      ]);
      const byType = await storage.providerRequests.costSummary({ ...window, groupBy: ['researchType'], provider: 'p1' });
      expect(byType.map((row) => [row.researchType, row.requests])).toEqual([
        ['learning', 1],
        ['decision', 2],
      ]);
      const aliceOnly = await storage.providerRequests.costSummary({ ...window, groupBy: ['provider'], userId: 'alice' });
      expect(aliceOnly.map((row) => [row.provider, row.costUsd])).toEqual([
        ['p2', 2],
        ['p1', 1.5],
      ]);
    });

    it('reports a daily series in UTC days', async () => {
      const days = await storage.providerRequests.dailyUsage(window);
      expect(days.map((day) => [day.day, day.requests, day.costUsd])).toEqual([
        ['2032-06-01', 1, 0.5],
        ['2032-06-02', 2, 1.25],
        ['2032-06-03', 2, 2],
      ]);
      expect((await storage.providerRequests.dailyUsage({ ...window, provider: 'p2' })).map((day) => day.day)).toEqual(['2032-06-03']);
    });

    it('computes nearest-rank latency percentiles per provider', async () => {
      const start = Date.UTC(2033, 0, 1);
      // Shuffled latencies 1..100 for one provider, 1..10 for another.
      const latencies = Array.from({ length: 100 }, (_, index) => ((index * 37) % 100) + 1);
      await storage.providerRequests.insertMany([
        ...latencies.map((latencyMs) => request({ provider: 'lat-a', latencyMs, createdAt: start })),
        ...latencies.slice(0, 10).map((_, index) => request({ provider: 'lat-b', latencyMs: index + 1, createdAt: start })),
        request({ provider: 'lat-b', latencyMs: 9_999, status: 'error', createdAt: start }),
      ]);
      const rows = await storage.providerRequests.latencyPercentiles({ from: start, to: start + 1, status: 'ok' });
      expect(rows).toEqual([
        { provider: 'lat-a', count: 100, meanMs: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, maxMs: 100 },
        { provider: 'lat-b', count: 10, meanMs: 5.5, p50: 5, p90: 9, p95: 10, p99: 10, maxMs: 10 },
      ]);
      const withErrors = await storage.providerRequests.latencyPercentiles({ from: start, to: start + 1 });
      expect(withErrors[1]).toMatchObject({ provider: 'lat-b', count: 11, maxMs: 9_999, p50: 6 });
    });

    it('writes large batches in chunks inside one transaction', async () => {
      const start = Date.UTC(2034, 0, 1);
      const rows = Array.from({ length: 1_234 }, (_, index) => request({ provider: 'bulk', latencyMs: index, costUsd: 0.001, createdAt: start }));
      expect(await storage.providerRequests.insertMany(rows)).toBe(1_234);
      const [summary] = await storage.providerRequests.costSummary({ from: start, to: start + 1, groupBy: [] });
      expect(summary?.requests).toBe(1_234);
      // A failing row rolls back the whole batch.
      const duplicate = request({ id: 'dup', provider: 'bulk', createdAt: start + 10 });
      await expect(storage.providerRequests.insertMany([request({ provider: 'bulk', createdAt: start + 10 }), duplicate, duplicate])).rejects.toThrow();
      const [after] = await storage.providerRequests.costSummary({ from: start + 10, to: start + 11, groupBy: [] });
      expect(after?.requests).toBe(0);
      expect(await storage.providerRequests.insertMany([])).toBe(0);
    });

    it('stores each record as given: every column reads back, defaults filled, generated ids time-ordered', async () => {
      const start = Date.UTC(2035, 0, 1);
      const full: ProviderRequestInput = {
        id: 'given-id',
        createdAt: start,
        provider: 'round-trip',
        model: 'm-full',
        latencyMs: 12.6,
        inputTokens: 24,
        outputTokens: 14,
        costUsd: 0.00001,
        status: 'error',
        errorClass: 'rate_limit',
        researchType: 'implementation',
        userId: 'carol',
        requestId: 'request-1',
        cached: true,
        fallbackFrom: 'p0',
      };
      const sparse: ProviderRequestInput = { provider: 'round-trip', model: 'm-sparse', latencyMs: 3, status: 'ok' }; // the storage clock: CLOCK
      const later: ProviderRequestInput = { ...sparse, model: 'm-later', createdAt: start + 1 };
      expect(await storage.providerRequests.insertMany([full, sparse, later])).toBe(3);
      const rows = await storage.db.selectFrom('provider_requests').selectAll().where('provider', '=', 'round-trip').orderBy('model').execute();
      const decoded = rows.map((row) => ({ ...row, created_at: decodeTime(row.created_at), cached: decodeFlag(row.cached), cost_usd: Number(row.cost_usd) }));
      const generated = { id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) as unknown };
      const defaults = { input_tokens: 0, output_tokens: 0, cost_usd: 0, error_class: null, research_type: null, user_id: null, request_id: null, cached: false, fallback_from: null };
      expect(decoded).toEqual([
        { id: 'given-id', created_at: start, provider: 'round-trip', model: 'm-full', latency_ms: 13, input_tokens: 24, output_tokens: 14, cost_usd: 0.00001, status: 'error', error_class: 'rate_limit', research_type: 'implementation', user_id: 'carol', request_id: 'request-1', cached: true, fallback_from: 'p0' },
        { ...generated, created_at: start + 1, provider: 'round-trip', model: 'm-later', latency_ms: 3, status: 'ok', ...defaults },
        { ...generated, created_at: CLOCK, provider: 'round-trip', model: 'm-sparse', latency_ms: 3, status: 'ok', ...defaults },
      ]);
      // A generated id carries its row's millisecond (UUID version 7), so ids sort by creation time.
      const epochMsOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(rows.filter((row) => row.id !== 'given-id').map((row) => epochMsOf(row.id))).toEqual([start + 1, CLOCK]);
    });

    it('fails a batch as a whole while the table cannot be written, and writes it all once it can (what the request recorder retries)', async () => {
      const start = Date.UTC(2036, 0, 1);
      const batch = [request({ provider: 'retried', createdAt: start }), request({ provider: 'retried', createdAt: start + 1 })];
      await storage.providerRequests.insertMany([request({ provider: 'retried', createdAt: start - 1 })]); // the statement is prepared
      await sql`ALTER TABLE provider_requests RENAME TO provider_requests_away`.execute(storage.db);
      try {
        await expect(storage.providerRequests.insertMany(batch)).rejects.toThrow();
      } finally {
        await sql`ALTER TABLE provider_requests_away RENAME TO provider_requests`.execute(storage.db);
      }
      expect(await storage.providerRequests.insertMany(batch)).toBe(2);
      const [summary] = await storage.providerRequests.costSummary({ from: start - 1, to: start + 2, groupBy: [] });
      expect(summary?.requests).toBe(3);
    });
  });

  describe('api keys', () => {
    it('stores only the hash and a display prefix, finds by hash, lists, revokes and touches', async () => {
      const rawKey = `ftd_${randomUUID().replaceAll('-', '')}`;
      const created = await storage.apiKeys.create({ name: 'ci-bot', rawKey, scopes: ['research', 'costs:read'], rateLimitPerMinute: 60 });
      expect(created).toEqual({
        id: expect.any(String),
        name: 'ci-bot',
        keyHash: hashApiKey(rawKey),
        prefix: rawKey.slice(0, 8),
        scopes: ['research', 'costs:read'],
        rateLimitPerMinute: 60,
        createdAt: CLOCK,
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(created.keyHash).toMatch(/^[0-9a-f]{64}$/);
      const rows = await storage.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).execute();
      expect(JSON.stringify(rows)).not.toContain(rawKey);

      expect(await storage.apiKeys.findByHash(hashApiKey(rawKey))).toEqual(created);
      expect(await storage.apiKeys.findByHash(hashApiKey('wrong'))).toBeUndefined();

      await storage.apiKeys.touch(created.id, CLOCK + 5);
      expect((await storage.apiKeys.findByHash(created.keyHash))?.lastUsedAt).toBe(CLOCK + 5);
      expect(await storage.apiKeys.revoke(created.id, CLOCK + 10)).toBe(true);
      expect(await storage.apiKeys.revoke(created.id, CLOCK + 20)).toBe(false);
      expect((await storage.apiKeys.findByHash(created.keyHash))?.revokedAt).toBe(CLOCK + 10);
    });

    it('rejects a duplicate name or secret and lists oldest first', async () => {
      await storage.apiKeys.create({ name: 'list-b', rawKey: 'raw-b', createdAt: CLOCK - 1 });
      await storage.apiKeys.create({ name: 'list-a', rawKey: 'raw-a', createdAt: CLOCK - 2 });
      await expect(storage.apiKeys.create({ name: 'list-a', rawKey: 'raw-c' })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(storage.apiKeys.create({ name: 'list-c', rawKey: 'raw-a' })).rejects.toMatchObject({ code: 'bad_request' });
      const names = (await storage.apiKeys.list()).map((key) => key.name);
      expect(names.indexOf('list-a')).toBeLessThan(names.indexOf('list-b'));
      expect(names).not.toContain('list-c');
    });
  });

  describe('stored responses', () => {
    it('round-trips JSON, is readable and deletable only by its owner, and hides expired rows', async () => {
      const response = { id: 'resp_a', object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: 'héllo' }] }] };
      const conversation = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] }];
      await storage.storedResponses.insert({ id: 'resp_a', owner: 'key-a', createdAt: CLOCK, expiresAt: CLOCK + DAY, response, conversation });
      await expect(storage.storedResponses.insert({ id: 'resp_a', owner: 'key-a', createdAt: CLOCK, expiresAt: CLOCK + DAY, response, conversation })).rejects.toMatchObject({ code: 'bad_request' });

      expect(await storage.storedResponses.find('resp_a', 'key-a')).toEqual({ id: 'resp_a', createdAt: CLOCK, expiresAt: CLOCK + DAY, response, conversation });
      expect(await storage.storedResponses.find('resp_a', 'key-b')).toBeUndefined();
      expect(await storage.storedResponses.find('resp_a', '')).toBeUndefined();
      expect(await storage.storedResponses.find('resp_a', 'key-a', CLOCK + DAY)).toBeUndefined();
      expect(await storage.storedResponses.delete('resp_a', 'key-b')).toBe(false);
      expect(await storage.storedResponses.delete('resp_a', 'key-a')).toBe(true);
      expect(await storage.storedResponses.find('resp_a', 'key-a')).toBeUndefined();
      expect(await storage.storedResponses.delete('resp_a', 'key-a')).toBe(false);
    });

    it('stores text holding NUL (which jsonb refuses) with U+FFFD instead', async () => {
      await storage.storedResponses.insert({ id: 'resp_nul', owner: '', createdAt: CLOCK, expiresAt: CLOCK + DAY, response: { text: 'a\u0000b' }, conversation: [{ role: 'user', content: 'x\u0000' }] });
      const found = await storage.storedResponses.find('resp_nul', '');
      expect(found?.response).toEqual({ text: 'a\uFFFDb' });
      expect(found?.conversation).toEqual([{ role: 'user', content: 'x\uFFFD' }]);
    });

    it('deletes expired rows only', async () => {
      await storage.storedResponses.insert({ id: 'resp_old', owner: '', createdAt: CLOCK - 2 * DAY, expiresAt: CLOCK - DAY, response: {}, conversation: [] });
      await storage.storedResponses.insert({ id: 'resp_new', owner: '', createdAt: CLOCK, expiresAt: CLOCK + DAY, response: {}, conversation: [] });
      expect(await storage.storedResponses.deleteExpired()).toBe(1);
      expect(await storage.storedResponses.find('resp_new', '')).toBeDefined();
      const ids = (await storage.db.selectFrom('stored_responses').select('id').execute()).map((row) => row.id);
      expect(ids).not.toContain('resp_old');
    });
  });

  describe('patterns', () => {
    it('counts exactly under 50 concurrent upserts and keeps the success rate', async () => {
      const records = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          storage.patterns.upsert({ patternType: 'concurrent', patternKey: 'k', success: index % 5 !== 0, seenAt: CLOCK + index }),
        ),
      );
      expect(new Set(records.map((record) => record.frequency)).size).toBe(50);
      const [top] = await storage.patterns.top({ patternType: 'concurrent' });
      expect(top).toMatchObject({ patternKey: 'k', frequency: 50, successCount: 40, lastSeen: CLOCK + 49 });
      expect(top!.successRate).toBeCloseTo(0.8, 12);
    });

    it('keeps the latest sighting and metadata unless replaced', async () => {
      const first = await storage.patterns.upsert({ patternType: 'meta', patternKey: 'x', success: true, seenAt: CLOCK, metadata: { v: 1 } });
      expect(first).toMatchObject({ frequency: 1, successRate: 1, metadata: { v: 1 }, lastSeen: CLOCK });
      const second = await storage.patterns.upsert({ patternType: 'meta', patternKey: 'x', success: false, seenAt: CLOCK - HOUR });
      expect(second).toMatchObject({ id: first.id, frequency: 2, successRate: 0.5, metadata: { v: 1 }, lastSeen: CLOCK });
      const third = await storage.patterns.upsert({ patternType: 'meta', patternKey: 'x', success: true, metadata: { v: 2 } });
      expect(third.metadata).toEqual({ v: 2 });
    });

    it('lists top patterns by frequency and recent ones above a frequency threshold', async () => {
      const seen = async (patternKey: string, times: number, seenAt: number) => {
        for (let index = 0; index < times; index++) await storage.patterns.upsert({ patternType: 'rank', patternKey, success: true, seenAt });
      };
      await seen('rare', 2, CLOCK + 3 * HOUR);
      await seen('common', 12, CLOCK);
      await seen('frequent', 10, CLOCK + HOUR);
      const top = await storage.patterns.top({ patternType: 'rank', limit: 2 });
      expect(top.map((pattern) => [pattern.patternKey, pattern.frequency])).toEqual([
        ['common', 12],
        ['frequent', 10],
      ]);
      const recent = await storage.patterns.recent({ patternType: 'rank' });
      expect(recent.map((pattern) => pattern.patternKey)).toEqual(['frequent', 'common']);
      expect((await storage.patterns.recent({ patternType: 'rank', since: CLOCK + 1 })).map((pattern) => pattern.patternKey)).toEqual(['frequent']);
      expect((await storage.patterns.recent({ patternType: 'rank', minFrequency: 1 }))[0]?.patternKey).toBe('rare');
    });
  });

  describe('learning', () => {
    it('stores adjustments with before/after JSON and lists recent ones by type and confidence', async () => {
      const older = await storage.learning.insert({
        learningType: 'routing_weight',
        subject: 'openai',
        before: { weight: 0.4 },
        after: { weight: 0.5 },
        confidenceScore: 0.9,
        outcome: 'applied',
        createdAt: CLOCK - DAY,
      });
      expect(older).toEqual({
        id: expect.any(String),
        learningType: 'routing_weight',
        subject: 'openai',
        before: { weight: 0.4 },
        after: { weight: 0.5 },
        confidenceScore: 0.9,
        outcome: 'applied',
        createdAt: CLOCK - DAY,
      });
      const newer = await storage.learning.insert({ learningType: 'routing_weight', subject: 'anthropic', confidenceScore: 0.5 });
      await storage.learning.insert({ learningType: 'threshold', subject: 'quality', confidenceScore: 0.99 });
      expect(newer).toMatchObject({ before: null, after: null, outcome: null, createdAt: CLOCK });

      expect((await storage.learning.listRecent({ learningType: 'routing_weight' })).map((record) => record.id)).toEqual([newer.id, older.id]);
      expect((await storage.learning.listRecent({ learningType: 'routing_weight', minConfidence: 0.8 })).map((record) => record.id)).toEqual([older.id]);
      expect(await storage.learning.listRecent({ limit: 1 })).toHaveLength(1);
    });

    it('writes a batch of records in one transaction, each as one insert stores it', async () => {
      const at = CLOCK + 7 * DAY;
      const inputs = [
        { learningType: 'batched', subject: 'p1', before: null, after: { meanLatencyMs: 12.5 }, confidenceScore: 0.99, outcome: 'applied', createdAt: at },
        { learningType: 'batched', subject: 'p2', confidenceScore: 0.4, createdAt: at + 1 },
        { learningType: 'batched', subject: 'p3', confidenceScore: 0.5 }, // the storage clock
      ];
      expect(await storage.learning.insertMany(inputs)).toBe(3);
      const stored = await storage.learning.listRecent({ learningType: 'batched' });
      expect(stored.map(({ id: _id, ...record }) => record)).toEqual([
        { learningType: 'batched', subject: 'p2', before: null, after: null, confidenceScore: 0.4, outcome: null, createdAt: at + 1 },
        { learningType: 'batched', subject: 'p1', before: null, after: { meanLatencyMs: 12.5 }, confidenceScore: 0.99, outcome: 'applied', createdAt: at },
        { learningType: 'batched', subject: 'p3', before: null, after: null, confidenceScore: 0.5, outcome: null, createdAt: CLOCK },
      ]);
      // All or none: a duplicate id fails the whole batch.
      await expect(storage.learning.insertMany([{ learningType: 'batched-dup', subject: 'a', confidenceScore: 1 }, { id: stored[0]!.id, learningType: 'batched-dup', subject: 'b', confidenceScore: 1 }])).rejects.toThrow();
      expect(await storage.learning.listRecent({ learningType: 'batched-dup' })).toEqual([]);
      expect(await storage.learning.insertMany([])).toBe(0);
    });
  });
});
