import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileStorage } from '../../src/operations/profiling/database-profiler.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { createHarness, ENGINES, type EngineHarness } from '../storage/engines.js';

/**
 * `profile database --slow-queries [--explain]` at the storage level, on both engines: the SQL
 * text of each slow statement (placeholders, never the values), and its plan on request.
 */

const SECRET = 'user-secret-slug-7f3a9c';

describe.each(ENGINES)('database profiler SQL on %s', { timeout: 30_000 }, (engine) => {
  let harness: EngineHarness;
  let storage: Storage;
  beforeAll(async () => {
    harness = createHarness(engine);
    storage = await harness.open();
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    await harness?.destroy();
  });

  const during = async (explain: boolean, minDurationMs = 0) => {
    const profiling = profileStorage(storage, { durationMs: 300, minDurationMs, explain });
    await storage.researchResults.getBySlug(SECRET);
    await storage.researchResults.list({ limit: 5 });
    return profiling;
  };

  it('lists the SQL of each slow statement with placeholders, not parameter values', async () => {
    const profile = await during(false);
    expect(profile.totalStatements).toBeGreaterThanOrEqual(2);
    const statements = profile.slowStatements ?? [];
    const bySlug = statements.find((statement) => /from "research_results"/i.test(statement.sql) && /"slug"\s*=/.test(statement.sql));
    expect(bySlug, JSON.stringify(statements, null, 2)).toBeDefined();
    expect(bySlug!.sql).toMatch(engine === 'sqlite' ? /"slug"\s*=\s*\?/ : /"slug"\s*=\s*\$1/);
    expect(bySlug!.count).toBe(1);
    expect(bySlug!.plan).toBeUndefined();
    expect(JSON.stringify(profile)).not.toContain(SECRET);
  });

  it('with explain, gives each slow statement its plan, still without the values', async () => {
    const profile = await during(true);
    const bySlug = (profile.slowStatements ?? []).find((statement) => /"slug"\s*=/.test(statement.sql));
    expect(bySlug?.planError).toBeUndefined();
    expect(bySlug?.plan?.length ?? 0).toBeGreaterThan(0);
    const plan = bySlug!.plan!.join('\n');
    // SQLite: "SEARCH research_results USING INDEX …"; PostgreSQL: "Index Scan … on research_results".
    expect(plan).toMatch(/research_results/);
    if (engine === 'postgres') expect(plan).toContain('$1');
    expect(JSON.stringify(profile)).not.toContain(SECRET);
  });

  it('leaves out statements under the threshold and stops listening after the span', async () => {
    const profile = await during(true, 60_000);
    expect(profile.totalStatements).toBeGreaterThanOrEqual(2);
    expect(profile.slowStatements).toEqual([]);
    const after = await profileStorage(storage, { durationMs: 100, minDurationMs: 0 });
    expect(after.totalStatements).toBe(0);
  });

  it('says why a statement cannot be explained instead of failing the profile', async () => {
    await expect(storage.explain('BEGIN', 0)).rejects.toThrow(/only SELECT, INSERT, UPDATE, DELETE and WITH/);
  });
});
