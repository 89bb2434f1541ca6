import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { createPatternTracker } from '../../src/pipeline/routing/query-patterns.js';
import { createSeededRandom } from '../../src/core/seeded-random.js';
import { createRouter } from '../../src/pipeline/routing/router.js';

let directory: string;
let storage: Storage;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-learning-'));
  storage = await createDatabase({ sqlitePath: join(directory, 'learning.db') });
  await storage.migrate();
});

afterAll(async () => {
  await storage?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('learning on real storage', () => {
  it('tracks query patterns: frequency, success rate, last seen', async () => {
    const tracker = createPatternTracker({ patterns: storage.patterns });
    await tracker.observe({ query: 'How do I drain connections gracefully in Axum?', researchType: 'implementation', domain: 'rust', success: true, at: 1_000 });
    const second = await tracker.observe({ query: 'axum graceful connection draining', researchType: 'implementation', domain: 'rust', success: false, at: 2_000 });
    await tracker.observe({ query: 'Why is my Postgres query slow?', researchType: 'troubleshooting', domain: 'database', success: true, at: 3_000 });
    expect(second).toMatchObject({ patternType: 'query_pattern', patternKey: 'implementation:rust:axum+connection+drain+graceful', frequency: 2, successRate: 0.5, lastSeen: 2_000 });
    // The latest wording is kept as the example the cache warmer re-asks.
    expect(second.metadata).toEqual({
      researchType: 'implementation',
      domain: 'rust',
      terms: ['axum', 'connection', 'drain', 'graceful'],
      example: 'axum graceful connection draining',
    });
    const batched = await tracker.observe({ query: 'Why is my Postgres query slow?', researchType: 'troubleshooting', domain: 'database', success: true, occurrences: 3, successes: 1, at: 4_000 });
    expect(batched).toMatchObject({ frequency: 4, successRate: 0.5 });
    const top = await tracker.top(5);
    expect(top.map((record) => record.frequency)).toEqual([4, 2]);
  });

  it('persists every adaptation with its confidence and reads it back for `learning status`', async () => {
    let now = Date.UTC(2025, 4, 10);
    const router = createRouter(
      {
        providers: ['openai', 'claude'],
        selection: {
          type: 'performance_optimized',
          criteria: { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 },
          windowMs: 3_600_000,
          minSamples: 10,
          adaptiveSelection: false,
          qualityThreshold: 0.8,
          latencyThresholdMs: 2_000,
        },
      },
      { now: () => now, random: createSeededRandom(1), learning: storage.learning },
    );
    const record = (provider: string, latencyMs: number, quality: number) => {
      now += 1_000;
      router.record({ provider, researchType: 'decision', latencyMs, ok: true, quality, costUsd: 0.001 });
    };
    for (let index = 0; index < 20; index++) record('openai', 500, 0.9);
    for (let index = 0; index < 20; index++) record('claude', 700, 0.9);
    expect(router.plan({ researchType: 'decision' }).order[0]).toBe('openai');
    for (let index = 0; index < 40; index++) record('openai', 500, 0.5); // answers got bad
    expect(router.plan({ researchType: 'decision' }).order[0]).toBe('claude');
    await new Promise((resolve) => setTimeout(resolve, 50)); // inserts are fire-and-forget

    const rows = await storage.learning.listRecent({ learningType: 'routing_rank' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject: 'decision', before: { provider: 'openai' }, after: { provider: 'claude' }, outcome: 'applied' });
    expect(rows[0]!.confidenceScore).toBeGreaterThan(0.6);
    const status = await router.learningStatus();
    expect(status.history?.[0]).toMatchObject({ learningType: 'routing_rank', subject: 'decision' });
    const openai = status.estimates.find((entry) => entry.provider === 'openai')!;
    expect(openai).toMatchObject({ researchType: 'decision', samples: 60, qualitySamples: 60, rank: 2 });
    expect(openai.quality).toBeLessThan(0.8);
  });
});
