import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LearnedObservation } from '../routing/learned-state.js';
import type { BudgetPeriod } from '../budget/budget-store.js';
import { openMachineState, type MachineStateDatabase } from './machine-state-db.js';
import { SqliteRoutingJournal } from './routing-journal.js';
import { SqliteBudgetStore } from './sqlite-budget-store.js';
import { SqliteRateLimitStore } from './sqlite-rate-limit-store.js';
import { createManualClock } from '../../providers/clock.js';
import { LeasedRateLimitStore } from '../../providers/rate-limit/leased-rate-limit-store.js';

// Two connections to one file stand for two processes: SQLite's locking is the same either way.
let directory: string;
let open: MachineStateDatabase[];
const connect = () => {
  const database = openMachineState({ path: join(directory, 'shared-state.db') });
  open.push(database);
  return database;
};

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-machine-state-'));
  open = [];
});
afterEach(() => {
  for (const database of open) if (database.open) database.close();
  rmSync(directory, { recursive: true, force: true });
});

const NOW = Date.UTC(2026, 0, 5, 12);
const day: BudgetPeriod = { key: 'day:2026-01-05', limit: 1_000, expiresAt: NOW + 86_400_000 };

describe('the budget ledger across connections', () => {
  it('never books past the limit however the two race, and both see one total', async () => {
    const stores = [new SqliteBudgetStore(connect()), new SqliteBudgetStore(connect())];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => stores[index % 2]!.reserve({ id: `r${index}`, amount: 100, periods: [day], enforce: true, expiresAt: NOW + 60_000, now: NOW })),
    );
    expect(results.filter((result) => result.granted)).toHaveLength(10);
    const [first] = await stores[0]!.totals([day], NOW);
    const [second] = await stores[1]!.totals([day], NOW);
    expect(first).toEqual({ key: day.key, spent: 0, reserved: 1_000 });
    expect(second).toEqual(first);
  });

  it('survives a reopen (a restart keeps the day) and releases a crashed caller’s reservation once it expires', async () => {
    const before = new SqliteBudgetStore(connect());
    await before.reserve({ id: 'settled', amount: 300, periods: [day], enforce: true, expiresAt: NOW + 60_000, now: NOW });
    await before.reconcile('settled', [day], 250, NOW);
    await before.reserve({ id: 'crashed', amount: 700, periods: [day], enforce: true, expiresAt: NOW + 60_000, now: NOW });
    open[0]!.close();

    const after = new SqliteBudgetStore(connect());
    expect(await after.totals([day], NOW)).toEqual([{ key: day.key, spent: 250, reserved: 700 }]);
    expect((await after.reserve({ id: 'x', amount: 100, periods: [day], enforce: true, expiresAt: NOW + 60_000, now: NOW })).granted).toBe(false);
    const later = NOW + 61_000;
    const granted = await after.reserve({ id: 'y', amount: 700, periods: [day], enforce: true, expiresAt: later + 60_000, now: later });
    expect(granted).toMatchObject({ granted: true, totals: [{ spent: 250, reserved: 700 }] });
  });
});

describe('rate-limit buckets across connections', () => {
  it('one bucket of 6 admits 6 in total, whichever connection asks', async () => {
    const stores = [new SqliteRateLimitStore(connect()), new SqliteRateLimitStore(connect()), new SqliteRateLimitStore(connect())];
    const bucket = { name: 'requests', capacity: 6, refillPerMs: 6 / 60_000 };
    const results = await Promise.all(Array.from({ length: 24 }, (_, index) => stores[index % 3]!.acquire('openai', [bucket], { requests: 1 }, NOW)));
    expect(results.filter((result) => result.granted)).toHaveLength(6);
    expect(results.find((result) => !result.granted)?.waitMs).toBe(10_000);
  });

  it('leased by two processes, a bucket still admits what it holds in total, and unused credit goes back on close', async () => {
    const clock = createManualClock(NOW);
    const stores = [new LeasedRateLimitStore(new SqliteRateLimitStore(connect()), { clock }), new LeasedRateLimitStore(new SqliteRateLimitStore(connect()), { clock })];
    // Never refills: every token is accounted for.
    const bucket = { name: 'requests', capacity: 1_000, refillPerMs: 0 };
    let granted = 0;
    for (let index = 0; index < 1_400; index += 1) {
      if ((await stores[index % 2]!.acquire('openai', [bucket], { requests: 1 }, clock.now())).granted) granted += 1;
      await clock.advance(1);
    }
    expect(granted).toBeLessThanOrEqual(1_000);
    expect(granted).toBeGreaterThan(500);
    await Promise.all(stores.map((store) => store.close()));
    const level = (await new SqliteRateLimitStore(connect()).peek('openai', [bucket], clock.now())).remaining.requests;
    expect(level).toBe(1_000 - granted);
  });

  it('acquireMany grants a prefix in one step, stops at the first refusal, and shares the bucket with acquire', async () => {
    const [first, second] = [new SqliteRateLimitStore(connect()), new SqliteRateLimitStore(connect())];
    const requests = { name: 'requests', capacity: 6, refillPerMs: 6 / 60_000 };
    const tokens = { name: 'tokens', capacity: 100, refillPerMs: 100 / 60_000 };
    // 30 + 60 fit in 100 tokens; 20 more do not, and the 1 behind it waits although it would fit (FIFO).
    const batch = await first.acquireMany('openai', [requests, tokens], [{ requests: 1, tokens: 30 }, { requests: 1, tokens: 60 }, { requests: 1, tokens: 20 }, { requests: 1, tokens: 1 }], NOW);
    expect(batch).toEqual({ granted: 2, waitMs: 6_000, remaining: { requests: 4, tokens: 10 } });
    expect(await second.peek('openai', [requests, tokens], NOW)).toEqual({ remaining: { requests: 4, tokens: 10 }, blockedUntil: 0 });
    // The other connection's single acquires and a later batch draw on the same 6 requests.
    expect(await second.acquire('openai', [requests], { requests: 1 }, NOW)).toEqual({ granted: true, waitMs: 0, remaining: { requests: 3 } });
    expect(await first.acquireMany('openai', [requests], Array.from({ length: 5 }, () => ({ requests: 1 })), NOW)).toEqual({ granted: 3, waitMs: 10_000, remaining: { requests: 0 } });
    expect(await second.acquire('openai', [requests], { requests: 1 }, NOW)).toMatchObject({ granted: false });
  });
});

describe('the learned-routing journal', () => {
  const call = (provider: string, at: number): LearnedObservation => ({ kind: 'call', provider, researchType: 'implementation', at, ok: true, latencyMs: 100, costUsd: 0.001 });
  const quality: LearnedObservation = { kind: 'quality', provider: 'claude', researchType: 'implementation', score: 0.9, source: 'feedback' };

  it('hands each process the others’ observations, never its own back', () => {
    const first = new SqliteRoutingJournal(connect(), { retainCallsMs: 3_600_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    const second = new SqliteRoutingJournal(connect(), { retainCallsMs: 3_600_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    const seenByFirst: LearnedObservation[] = [];
    const seenBySecond: LearnedObservation[] = [];
    first.subscribe((observation) => seenByFirst.push(observation));
    second.subscribe((observation) => seenBySecond.push(observation));
    first.publish(call('openai', NOW));
    first.publish(quality);
    first.flush();
    second.publish(call('gemini', NOW));
    second.flush();
    first.flush();
    expect(seenBySecond).toEqual([call('openai', NOW), quality]);
    expect(seenByFirst).toEqual([call('gemini', NOW)]);
  });

  it('writes one flush\'s calls as one row per provider and research type; the others get every call, in order', () => {
    const database = connect();
    const writer = new SqliteRoutingJournal(database, { retainCallsMs: 3_600_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    const reader = new SqliteRoutingJournal(connect(), { retainCallsMs: 3_600_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    writer.subscribe(() => undefined);
    const seen: LearnedObservation[] = [];
    reader.subscribe((observation) => seen.push(observation));
    const published = Array.from({ length: 1_000 }, (_, index) => ({ ...call(index % 2 === 0 ? 'openai' : 'claude', NOW - 1_000 + index), ok: index % 7 !== 0, latencyMs: index / 3 }));
    for (const observation of published) writer.publish(observation);
    writer.publish(quality);
    writer.flush();
    // Rows, not calls: 1,001 rows took 5–13 ms of the serving thread per flush at 1,000 calls a second.
    expect(database.prepare('SELECT kind, count(*) AS n FROM routing_observations GROUP BY kind ORDER BY kind').all()).toEqual([
      { kind: 'calls', n: 2 },
      { kind: 'quality', n: 1 },
    ]);
    reader.flush();
    const byProvider = (provider: string) => seen.filter((observation) => observation.kind === 'call' && observation.provider === provider);
    expect(byProvider('openai')).toEqual(published.filter((observation) => observation.provider === 'openai'));
    expect(byProvider('claude')).toEqual(published.filter((observation) => observation.provider === 'claude'));
    expect(seen.filter((observation) => observation.kind === 'quality')).toEqual([quality]);
  });

  it('still replays rows of one call each (journals written before calls were packed)', () => {
    const database = connect();
    database.prepare('INSERT INTO routing_observations (origin, kind, at, body) VALUES (?, ?, ?, ?)').run('old-process', 'call', NOW - 10_000, JSON.stringify(call('gemini', NOW - 10_000)));
    const replayed: LearnedObservation[] = [];
    new SqliteRoutingJournal(connect(), { retainCallsMs: 60_000, flushIntervalMs: 3_600_000 }, { now: () => NOW }).subscribe((observation) => replayed.push(observation));
    expect(replayed).toEqual([call('gemini', NOW - 10_000)]);
  });

  it('replays on start what is still relevant: calls inside the window, quality scores', async () => {
    const writer = new SqliteRoutingJournal(connect(), { retainCallsMs: 60_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    writer.subscribe(() => undefined);
    writer.publish(call('openai', NOW - 120_000));
    writer.publish(call('openai', NOW - 30_000));
    writer.publish(quality);
    await writer.close();
    const restarted = new SqliteRoutingJournal(connect(), { retainCallsMs: 60_000, flushIntervalMs: 3_600_000 }, { now: () => NOW });
    const replayed: LearnedObservation[] = [];
    restarted.subscribe((observation) => replayed.push(observation));
    expect(replayed).toEqual([call('openai', NOW - 30_000), quality]);
    await restarted.close();
  });
});

describe('opening the file', () => {
  it('names data_dir and the fix when the file cannot be opened', () => {
    writeFileSync(join(directory, 'a-file'), ''); // where the data directory should be
    expect(() => openMachineState({ path: join(directory, 'a-file', 'shared-state.db') })).toThrow(/data_dir: cannot open .*make data_dir writable, or set REDIS_URL/);
  });
});
