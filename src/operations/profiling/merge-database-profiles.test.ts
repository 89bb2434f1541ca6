import { describe, expect, it } from 'vitest';
import { mergeDatabaseProfiles, type DatabaseProfile } from './database-profiler.js';
import { distribution } from './wait.js';

const profile = (durations: number[], statement: { sql: string; maxMs: number; count: number; plan?: string[] }): DatabaseProfile => ({
  kind: 'database',
  startedAt: 1_000,
  durationMs: 2_000,
  dialect: 'sqlite',
  minDurationMs: 0,
  totalQueries: durations.length,
  operations: [{ operation: 'researchResults.insert', errors: 0, totalMs: durations.reduce((a, b) => a + b, 0), ...distribution(durations) }],
  slowQueries: durations.map((durationMs, index) => ({ name: 'researchResults.insert', at: 1_000 + index, durationMs, ok: true })),
  slowCount: durations.length,
  totalStatements: durations.length,
  slowStatements: [{ sql: statement.sql, count: statement.count, maxMs: statement.maxMs, totalMs: statement.maxMs * statement.count, at: 1_500, failed: 0, ...(statement.plan ? { plan: statement.plan } : {}) }],
  operationDurations: { 'researchResults.insert': durations },
});

describe('mergeDatabaseProfiles', () => {
  it('merges the workers exactly: percentiles of all calls, slow calls with their worker, statements by SQL', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const b = [100, 200];
    const merged = mergeDatabaseProfiles([
      { workerId: 1, pid: 11, profile: profile(a, { sql: 'insert into x', maxMs: 10, count: 10 }) },
      { workerId: 2, pid: 22, profile: profile(b, { sql: 'insert into x', maxMs: 200, count: 2, plan: ['SCAN x'] }) },
      { workerId: 3, pid: 33, error: 'timed out' },
    ]);
    const all = distribution([...a, ...b]);
    expect(merged.operations[0]).toMatchObject({ count: 12, p50: all.p50, p95: all.p95, max: 200, totalMs: 355 });
    expect(merged.totalQueries).toBe(12);
    expect(merged.slowQueries[0]).toMatchObject({ durationMs: 200, workerId: 2 });
    expect(merged.slowQueries.at(-1)).toMatchObject({ durationMs: 1, workerId: 1 });
    expect(merged.slowStatements).toEqual([{ sql: 'insert into x', count: 12, maxMs: 200, totalMs: 500, at: 1_500, failed: 0, plan: ['SCAN x'] }]);
    expect(merged.workersProfiled).toEqual([{ workerId: 1, pid: 11 }, { workerId: 2, pid: 22 }, { workerId: 3, pid: 33, error: 'timed out' }]);
  });

  it('fails when no worker returned a profile', () => {
    expect(() => mergeDatabaseProfiles([{ workerId: 1, pid: 1, error: 'busy' }])).toThrow(/busy/);
  });
});
