import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { createHarness, ENGINES } from './engines.js';
import type { EngineHarness } from './engines.js';

const SEED_INDEXES = [
  'idx_user_feedback_composite',
  'idx_pattern_data_composite',
  'idx_pattern_data_success_rate',
  'idx_learning_data_type_created',
  'idx_learning_data_confidence',
  'idx_quality_metrics_provider_time',
  'idx_quality_metrics_composite_score',
];
const MIGRATIONS = ['0001_tables', '0002_indexes', '0003_full_text', '0004_stored_responses', '0005_research_lookup_index'];

describe.each(ENGINES)('migrations on %s', (engine) => {
  let harness: EngineHarness;
  let storage: Storage;
  let firstRun: string[];

  beforeAll(async () => {
    harness = createHarness(engine);
    storage = await harness.open();
    firstRun = (await storage.migrate()).applied;
  });

  afterAll(async () => {
    await storage?.close();
    await harness?.destroy();
  });

  it('applies every migration once; running again, or from a new connection, applies nothing', async () => {
    expect(firstRun).toEqual(MIGRATIONS);
    expect((await storage.migrate()).applied).toEqual([]);
    const again = await harness.open();
    try {
      expect((await again.migrate()).applied).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('lets two connections migrate a fresh database at the same time, applying each migration once', async () => {
    const fresh = createHarness(engine);
    const [left, right] = [await fresh.open(), await fresh.open()];
    try {
      const runs = await Promise.all([left.migrate(), right.migrate()]);
      expect(runs.flatMap((run) => run.applied).sort()).toEqual(MIGRATIONS);
    } finally {
      await left.close();
      await right.close();
      await fresh.destroy();
    }
  });

  it.skipIf(engine !== 'postgres')('analyses every table after migrating (planner statistics exist from the start)', async () => {
    // reltuples is -1 for a table never analysed (PostgreSQL 14+), >= 0 after ANALYZE.
    const tables = await sql<{ name: string; reltuples: number }>`SELECT c.relname AS name, c.reltuples::float8 AS reltuples FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`.execute(storage.db);
    expect(tables.rows.length).toBeGreaterThan(5);
    expect(tables.rows.filter((table) => table.reltuples < 0)).toEqual([]);
  });

  it('keeps data across a second migrate', async () => {
    const stored = await storage.researchResults.insert({ query: 'q', researchType: 'learning', answer: 'a', provider: 'p', model: 'm' });
    await storage.migrate();
    expect(await storage.researchResults.getById(stored.id)).toEqual(stored);
  });

  it("creates the seed's indexes under the seed's names", async () => {
    const names =
      engine === 'postgres'
        ? (await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()`.execute(storage.db)).rows
        : (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index'`.execute(storage.db)).rows;
    const expected = engine === 'postgres' ? [...SEED_INDEXES, 'idx_user_feedback_content_gin', 'idx_research_results_search'] : SEED_INDEXES;
    expect(names.map((row) => row.name)).toEqual(expect.arrayContaining(expected));
  });

  it('finds the latest answer to a question through the index on query, type and time, not every row of the type', async () => {
    let lookup: { sql: string; parameterCount: number } | undefined;
    const stop = storage.observeQueries((query) => {
      if (query.sql.includes('normalized_query')) lookup = query;
    });
    try {
      await storage.researchResults.findLatest('how do i pool connections', { researchType: 'implementation', since: 0 });
    } finally {
      stop();
    }
    expect(lookup).toBeDefined();
    const names = (
      engine === 'postgres'
        ? await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()`.execute(storage.db)
        : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index'`.execute(storage.db)
    ).rows.map((row) => row.name);
    expect(names).toContain('idx_research_results_query_type_created');
    expect(names).not.toContain('idx_research_results_normalized');
    // SQLite plans without statistics: before this index it chose (research_type, created_at) and
    // read the whole type (61 ms per lookup at 20,000 rows). PostgreSQL plans by its statistics.
    if (engine === 'sqlite') expect((await storage.explain(lookup!.sql, lookup!.parameterCount)).join('\n')).toContain('idx_research_results_query_type_created');
  });

  it('reports health and stops reporting it after close', async () => {
    const probe = await harness.open();
    const healthy = await probe.healthCheck();
    expect(healthy.ok).toBe(true);
    expect(healthy.latencyMs).toBeGreaterThanOrEqual(0);
    await probe.close();
    await probe.close(); // idempotent
    const closed = await probe.healthCheck();
    expect(closed.ok).toBe(false);
    expect(closed.error).toEqual(expect.any(String));
  });

  if (engine === 'sqlite') {
    it('opens the file in WAL mode with synchronous=NORMAL, a busy timeout and foreign keys, creating its directory', async () => {
      const pragma = async (name: string) => (await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(storage.db)).rows[0];
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('synchronous')).toEqual({ synchronous: 1 });
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
      const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%_fts'`.execute(storage.db);
      expect(tables.rows.map((row) => row.name).sort()).toEqual(['research_results_fts', 'user_feedback_fts']);
    });

    it('indexes rows that existed before the full-text migration', async () => {
      const fresh = createHarness('sqlite');
      const early = await fresh.open();
      try {
        // Apply only the first two migrations, insert, then migrate to latest.
        const { Migrator } = await import('kysely');
        const { createMigrationProvider } = await import('../../src/infrastructure/storage/migrations/migration-provider.js');
        const migrator = new Migrator({ db: early.db, provider: createMigrationProvider('sqlite') });
        expect((await migrator.migrateTo('0002_indexes')).error).toBeUndefined();
        await early.db
          .insertInto('research_results')
          .values({
            id: 'old',
            created_at: new Date().toISOString(),
            query: 'preexisting wibblefish',
            normalized_query: 'x',
            research_type: 'learning',
            answer: 'a',
            provider: 'p',
            model: 'm',
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0,
          })
          .execute();
        expect((await early.migrate()).applied).toEqual(['0003_full_text', '0004_stored_responses', '0005_research_lookup_index']);
        expect((await early.researchResults.search('wibblefish')).map((hit) => hit.id)).toEqual(['old']);
      } finally {
        await early.close();
        await fresh.destroy();
      }
    });
  }
});

describe('user_feedback partitions on postgres', () => {
  const NOW = Date.UTC(2025, 10, 20); // 2025-11-20
  let harness: EngineHarness;
  let storage: Storage;

  beforeAll(async () => {
    harness = createHarness('postgres');
    storage = await harness.open({ now: () => NOW }, { feedbackPartitionMonthsAhead: 3 });
    await storage.migrate();
  });

  afterAll(async () => {
    await storage?.close();
    await harness?.destroy();
  });

  const partitions = async () =>
    (
      await sql<{ name: string }>`SELECT child.relname AS name FROM pg_inherits
        JOIN pg_class child ON child.oid = pg_inherits.inhrelid
        WHERE pg_inherits.inhparent = 'user_feedback'::regclass ORDER BY 1`.execute(storage.db)
    ).rows.map((row) => row.name);

  const partitionOf = async (id: string) =>
    (await sql<{ name: string }>`SELECT tableoid::regclass::text AS name FROM user_feedback WHERE id = ${id}`.execute(storage.db)).rows[0]?.name;

  it('is partitioned by range on timestamp, with this month, the next three (across the year end) and a default', async () => {
    const strategy = await sql<{ strategy: string }>`SELECT partstrat AS strategy FROM pg_partitioned_table
      WHERE partrelid = 'user_feedback'::regclass`.execute(storage.db);
    expect(strategy.rows).toEqual([{ strategy: 'r' }]);
    expect(await partitions()).toEqual([
      'user_feedback_default',
      'user_feedback_y2025m11',
      'user_feedback_y2025m12',
      'user_feedback_y2026m01',
      'user_feedback_y2026m02',
    ]);
  });

  it('ensureFeedbackPartitions is idempotent and adds only missing months', async () => {
    expect(await storage.ensureFeedbackPartitions(3)).toEqual([]);
    expect(await storage.ensureFeedbackPartitions(4)).toEqual(['user_feedback_y2026m03']);
    expect(await storage.ensureFeedbackPartitions(4)).toEqual([]);
    const concurrent = await Promise.all([storage.ensureFeedbackPartitions(5), storage.ensureFeedbackPartitions(5)]);
    expect(concurrent.flat()).toEqual(['user_feedback_y2026m04']);
  });

  it('routes rows to their month and moves rows out of the default partition when their month is created', async () => {
    const target = await storage.researchResults.insert({ query: 'q', researchType: 'learning', answer: 'a', provider: 'p', model: 'm' });
    const december = await storage.feedback.insert({ resultId: target.id, rating: 4, timestamp: Date.UTC(2025, 11, 31, 23, 59) });
    const farFuture = await storage.feedback.insert({ resultId: target.id, rating: 3, timestamp: Date.UTC(2026, 6, 2) });
    expect(await partitionOf(december.id)).toBe('user_feedback_y2025m12');
    expect(await partitionOf(farFuture.id)).toBe('user_feedback_default');

    expect(await storage.ensureFeedbackPartitions(8)).toEqual(['user_feedback_y2026m05', 'user_feedback_y2026m06', 'user_feedback_y2026m07']);
    expect(await partitionOf(farFuture.id)).toBe('user_feedback_y2026m07');
    expect(await storage.feedback.listForResult(target.id)).toEqual([farFuture, december]);
  });

  it('new partitions inherit the indexes and the foreign key', async () => {
    const indexes = await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'user_feedback_y2026m07'`.execute(storage.db);
    expect(indexes.rows.length).toBeGreaterThanOrEqual(4); // primary key, composite, GIN, result_id
    const orphan = { resultId: 'missing', rating: 3, timestamp: Date.UTC(2026, 6, 3) };
    await expect(storage.feedback.insert(orphan)).rejects.toMatchObject({ code: 'not_found' });
  });
});
