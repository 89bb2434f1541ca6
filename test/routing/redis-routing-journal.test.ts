/**
 * Learned routing through Redis (issue 20: with `REDIS_URL` it used to stay in each worker's
 * memory): what one process publishes reaches the others, never itself, and a process started
 * later replays the kept calls and quality scores.
 */
import { afterAll, expect, it } from 'vitest';
import type { LearnedObservation } from '../../src/infrastructure/routing/learned-state.js';
import { RedisRoutingJournal } from '../../src/infrastructure/redis/redis-routing-journal.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

const redis = connectRedis();
const prefix = uniqueKeyPrefix('routing-journal');
afterAll(async () => {
  await deleteKeys(redis, `{${prefix}:routing}*`);
  redis.disconnect();
});

const call = (provider: string, at: number): LearnedObservation => ({ kind: 'call', provider, researchType: 'implementation', at, ok: true, latencyMs: 100, costUsd: 0.001 });

it('shares observations between processes and replays them on start', async () => {
  const now = Date.now();
  const journal = (seen: LearnedObservation[]) => {
    const instance = new RedisRoutingJournal(redis, { keyPrefix: prefix, retainCallsMs: 60_000, flushIntervalMs: 60_000 });
    instance.subscribe((observation) => seen.push(observation));
    return instance;
  };
  const seenA: LearnedObservation[] = [];
  const seenB: LearnedObservation[] = [];
  const a = journal(seenA);
  const b = journal(seenB);
  await Promise.all([a.ready(), b.ready()]);
  a.publish(call('alpha', now));
  a.publish({ kind: 'quality', provider: 'alpha', researchType: 'implementation', score: 0.9, source: 'evaluator' });
  b.publish(call('beta', now));
  await a.flush();
  await b.flush();
  await a.flush();
  expect(seenB.map((observation) => observation.provider)).toEqual(['alpha', 'alpha']);
  expect(seenA.map((observation) => observation.provider)).toEqual(['beta']);

  // A process started later (a restart) replays what was kept.
  await a.close();
  await b.close();
  const seenC: LearnedObservation[] = [];
  const c = journal(seenC);
  await c.ready();
  expect(seenC.filter((observation) => observation.kind === 'call').map((observation) => observation.provider).sort()).toEqual(['alpha', 'beta']);
  expect(seenC.filter((observation) => observation.kind === 'quality')).toHaveLength(1);
  await c.close();
});

it('writes one stream entry per flush and kind, however many observations it holds', async () => {
  const own = uniqueKeyPrefix('routing-journal-batch');
  const journal = new RedisRoutingJournal(redis, { keyPrefix: own, retainCallsMs: 60_000, flushIntervalMs: 60_000 });
  const reader = new RedisRoutingJournal(redis, { keyPrefix: own, retainCallsMs: 60_000, flushIntervalMs: 60_000 });
  const seen: LearnedObservation[] = [];
  reader.subscribe((observation) => seen.push(observation));
  try {
    await Promise.all([journal.ready(), reader.ready()]);
    const now = Date.now();
    for (let index = 0; index < 50; index++) journal.publish(call(`p${index % 3}`, now + index));
    journal.publish({ kind: 'quality', provider: 'p0', researchType: 'implementation', score: 0.8, source: 'evaluator' });
    await journal.flush();
    const streams = await redis.keys(`{${own}:routing}*`);
    const lengths = await Promise.all(streams.map((key) => redis.xlen(key)));
    // 51 observations, two kinds: two entries (one command each), not 51.
    expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(2);
    await reader.flush();
    expect(seen.filter((observation) => observation.kind === 'call')).toHaveLength(50);
    expect(seen.filter((observation) => observation.kind === 'quality')).toHaveLength(1);
  } finally {
    await journal.close();
    await reader.close();
    await deleteKeys(redis, `{${own}:routing}*`);
  }
});
