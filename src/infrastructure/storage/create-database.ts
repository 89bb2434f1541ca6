import { performance } from 'node:perf_hooks';
import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { FortitudeError } from '../../core/errors.js';
import type { StorageContext } from './codec.js';
import type { DatabaseSchema } from './database-schema.js';
import type { SqliteRowWriter } from './sqlite/open-sqlite.js';
import { createMigrationProvider } from './migrations/migration-provider.js';
import { ensureFeedbackPartitions } from './postgres/feedback-partitions.js';
import { createApiKeysRepository } from './repositories/api-keys.js';
import { createFeedbackRepository } from './repositories/feedback.js';
import { createLearningRepository } from './repositories/learning.js';
import { createPatternsRepository } from './repositories/patterns.js';
import { createProviderRequestsRepository } from './repositories/provider-requests.js';
import { createQualityMetricsRepository } from './repositories/quality-metrics.js';
import { createResearchResultsRepository } from './repositories/research-results.js';
import { createStoredResponsesRepository } from './repositories/stored-responses.js';
import type { Storage, StorageDependencies, StorageOptions } from './storage.js';
import { createQueryObserver, explainQuery } from './query-observer.js';
import { storageError } from './storage-errors.js';

const DEFAULT_PARTITION_MONTHS_AHEAD = 3;

/**
 * Opens storage: PostgreSQL when `databaseUrl` is given, SQLite otherwise. Does not migrate;
 * call `migrate()` once at start-up.
 */
export async function createDatabase(options: StorageOptions, dependencies: StorageDependencies = {}): Promise<Storage> {
  const dialect = options.databaseUrl === undefined ? 'sqlite' : 'postgres';
  const context: StorageContext = { dialect, now: dependencies.now ?? Date.now };
  const observer = createQueryObserver();
  const log = observer.log;
  let db: Kysely<DatabaseSchema>;
  /** SQLite only: bulk inserts through one prepared statement (request records). */
  let sqliteRows: SqliteRowWriter | undefined;
  try {
    // Each dialect's driver is imported only when used: pg and better-sqlite3 cost megabytes of
    // heap and native memory in every process that never touches them.
    db =
      options.databaseUrl === undefined
        ? await import('./sqlite/open-sqlite.js').then(({ DEFAULT_SQLITE_PATH, openSqlite }) => {
            const opened = openSqlite({ path: options.sqlitePath ?? DEFAULT_SQLITE_PATH, log, writerThread: options.sqliteWriterThread ?? false, writerThreadNice: options.sqliteWriterThreadNice ?? 0 });
            sqliteRows = opened.rows;
            return opened.db;
          })
        : await (await import('./postgres/open-postgres.js')).openPostgres({
            databaseUrl: options.databaseUrl,
            log,
            ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
            ...(options.schema === undefined ? {} : { schema: options.schema }),
            ...(dependencies.onPoolError === undefined ? {} : { onPoolError: dependencies.onPoolError }),
          });
  } catch (error) {
    // Coded errors (a PostgreSQL connection failure described with its fix) pass as they are.
    if (error instanceof FortitudeError) throw error;
    throw storageError(`cannot open ${dialect} storage: ${error instanceof Error ? error.message : String(error)}`, error);
  }

  const ensurePartitions = (monthsAhead = options.feedbackPartitionMonthsAhead ?? DEFAULT_PARTITION_MONTHS_AHEAD) =>
    dialect === 'postgres' ? ensureFeedbackPartitions(db as Kysely<unknown>, monthsAhead, context.now()) : Promise.resolve([]);

  let closed: Promise<void> | undefined;

  return {
    dialect,
    db,
    researchResults: createResearchResultsRepository(db, context),
    feedback: createFeedbackRepository(db, context),
    qualityMetrics: createQualityMetricsRepository(db, context),
    providerRequests: createProviderRequestsRepository(db, context, sqliteRows),
    apiKeys: createApiKeysRepository(db, context),
    patterns: createPatternsRepository(db, context),
    learning: createLearningRepository(db, context, sqliteRows),
    storedResponses: createStoredResponsesRepository(db, context),

    observeQueries: (listener) => observer.observe(listener),
    explain: (text, parameterCount) => explainQuery(db as Kysely<unknown>, dialect, text, parameterCount),

    async migrate() {
      const provider = createMigrationProvider(dialect);
      // SQLite, every migration already applied (every start after the first): done, without the
      // Migrator, which introspects every table of the database first (~20 ms a CLI command).
      if (dialect === 'sqlite' && (await sqliteUpToDate(db as Kysely<unknown>, Object.keys(await provider.getMigrations())))) return { applied: [] };
      const migrator = new Migrator({
        db,
        provider,
        ...(dialect === 'postgres' && options.schema !== undefined ? { migrationTableSchema: options.schema } : {}),
      });
      let { error, results = [] } = await migrator.migrateToLatest();
      // Kysely takes no lock on SQLite: a second process migrating at the same moment loses the
      // race and fails on the migration table. Its retry finds the work done (or finishes it).
      for (let retry = 0; error !== undefined && dialect === 'sqlite' && retry < 2; retry++) {
        ({ error, results = [] } = await migrator.migrateToLatest());
      }
      if (error !== undefined) {
        const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'setup';
        throw storageError(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      await ensurePartitions().catch((partitionError: unknown) => {
        throw storageError(`creating user_feedback partitions failed: ${String(partitionError)}`, partitionError);
      });
      if (dialect === 'postgres' && results.length > 0) {
        // New tables and indexes have no planner statistics until autovacuum gets to them (it
        // waits for enough changed rows): analyse this schema's tables now so the first queries
        // after a migration are planned on real numbers. Only when a migration ran.
        await analyzeSchema(db as Kysely<unknown>).catch((analyzeError: unknown) => {
          throw storageError(`ANALYZE after migration failed: ${String(analyzeError)}`, analyzeError);
        });
      }
      return { applied: results.map((result) => result.migrationName) };
    },

    ensureFeedbackPartitions: (monthsAhead) => ensurePartitions(monthsAhead),

    async healthCheck() {
      const started = performance.now();
      try {
        await sql`SELECT 1`.execute(db);
        return { ok: true, latencyMs: performance.now() - started };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, latencyMs: performance.now() - started, error: message };
      }
    },

    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

/** `ANALYZE` every table of the current schema (partitions included). */
async function analyzeSchema(db: Kysely<unknown>): Promise<void> {
  const tables = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`.execute(db);
  for (const table of tables.rows) await sql`ANALYZE ${sql.id(table.name)}`.execute(db);
}

/** Whether `kysely_migration` (the Migrator's table) lists exactly these migrations; false when it cannot be read. */
async function sqliteUpToDate(db: Kysely<unknown>, names: string[]): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
    const expected = [...names].sort();
    return rows.length === expected.length && rows.every((row, index) => row.name === expected[index]);
  } catch {
    return false;
  }
}
