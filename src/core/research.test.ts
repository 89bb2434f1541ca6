import { describe, expect, it } from 'vitest';
import { researchResultJson, servedFromCache, withRoundedCost, type ResearchResult, type StageTimings } from './research.js';

const timings = (totalMs: number): StageTimings => ({ classifyMs: 0.1, cacheMs: 0.2, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs });

const stored: ResearchResult = {
  id: 'r-1',
  createdAt: '2026-11-28T00:00:00.000Z',
  query: 'How do I add a readiness probe?',
  classification: {
    researchType: { value: 'implementation', confidence: 0.9, signals: [] },
    audience: { value: 'intermediate', confidence: 0.6, signals: [] },
    domain: { value: 'devops', confidence: 0.7, signals: [] },
    urgency: { value: 'planned', confidence: 0.5, signals: [] },
  },
  answer: '## Answer\nUse `readinessProbe` — with "quotes" and ünïcode → fine.',
  sections: [{ heading: 'Answer', body: 'Use `readinessProbe`' }],
  provider: 'openai',
  model: 'gpt-4o-mini',
  simulated: true,
  usage: { inputTokens: 10, outputTokens: 20 },
  costUsd: 0.0001,
  quality: { composite: 0.9, dimensions: {}, caps: [] } as unknown as ResearchResult['quality'],
  cache: { kind: 'miss' },
  timings: timings(120),
  slug: 'readiness-probe-r-1',
};

describe('servedFromCache / researchResultJson', () => {
  it('serves the stored answer with this request’s cache outcome and timings, invisibly linked', () => {
    const served = servedFromCache(stored, { kind: 'exact', similarity: 1 }, timings(0.4));
    expect(served).toEqual({ ...stored, cache: { kind: 'exact', similarity: 1 }, timings: timings(0.4) });
    expect(Object.keys(served)).toEqual(Object.keys(stored));
    expect(stored.cache).toEqual({ kind: 'miss' });
  });

  it('renders the same JSON value as JSON.stringify, for served and fresh results alike', () => {
    expect(researchResultJson(stored)).toBe(JSON.stringify(stored));
    for (const total of [0.4, 0.5]) {
      const served = servedFromCache(stored, { kind: 'semantic', similarity: 0.93 }, timings(total));
      expect(JSON.parse(researchResultJson(served))).toEqual(JSON.parse(JSON.stringify(served)));
    }
  });

  it('sends costUsd rounded for output, fresh or served from the cache, leaving the result itself unrounded', () => {
    const noisy: ResearchResult = { ...stored, id: 'r-2', costUsd: 0.00013659999999999999 };
    expect((JSON.parse(researchResultJson(noisy)) as ResearchResult).costUsd).toBe(0.0001366);
    expect(researchResultJson(noisy)).toContain('"costUsd":0.0001366,');
    const served = servedFromCache(noisy, { kind: 'exact', similarity: 1 }, timings(1));
    expect(researchResultJson(served)).toContain('"costUsd":0.0001366,');
    expect(noisy.costUsd).toBe(0.00013659999999999999);
    expect(Object.keys(withRoundedCost(noisy))).toEqual(Object.keys(noisy));
    expect(withRoundedCost(stored)).toBe(stored); // nothing to round: no copy
  });

  it('reuses the stored object’s JSON: a later change to it is not re-serialised (stored values are immutable)', () => {
    const mutable = structuredClone(stored);
    const first = researchResultJson(servedFromCache(mutable, { kind: 'exact', similarity: 1 }, timings(1)));
    mutable.answer = 'changed after the first render';
    const second = JSON.parse(researchResultJson(servedFromCache(mutable, { kind: 'exact', similarity: 1 }, timings(2)))) as ResearchResult;
    expect(second.answer).toBe(stored.answer);
    expect(second.timings.totalMs).toBe(2);
    expect(JSON.parse(first).timings.totalMs).toBe(1);
  });
});
