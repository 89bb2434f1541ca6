import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import type { LogEvent } from 'kysely';
import type { DatabaseSchema } from '../database-schema.js';
import { createRowWriterThread } from './row-writer-thread.js';
import { openWithWal } from './wal-mode.js';
import { withStatementCache } from './statement-cache.js';

export const DEFAULT_SQLITE_PATH = './.fortitude/fortitude.db';

export interface SqliteOptions {
  /** Database file; its directory is created. `:memory:` for a private in-memory database. */
  path: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Kysely's log hook: every statement with its SQL text and duration. */
  log?: (event: LogEvent) => void;
  /**
   * Bulk inserts (`SqliteRowWriter`) run in a thread of their own with its own connection
   * (`row-writer-thread.ts`), off the thread that calls them: `serve`, where that thread serves
   * requests. Ignored for `:memory:` (a private database no other connection can open).
   */
  writerThread?: boolean;
  /** The writer thread's nice value (Linux): it yields its core to the serving thread. Default 0. */
  writerThreadNice?: number;
}

/**
 * Writes many rows of one table on SQLite: one prepared single-row `INSERT`, run for each row in
 * one transaction. Through Kysely a batch is one multi-row statement that SQLite parses anew
 * every time (15 columns × 200 rows = 3,000 parameters); prepared once, what remains per row is
 * SQLite's own work (the table's indexes, the commit): 30–32 → 19 µs of CPU per request record
 * (load average 5), and the event loop is held that much less per batch
 * (`bench/request-records.ts`; bench/RESULTS.md, "serve's memory, GC and recording cost").
 * With `writerThread` the same statement runs in a thread of its own: the caller's thread only
 * hands the rows over (bench/RESULTS.md, "Request records off the serving thread").
 */
export interface SqliteRowWriter {
  /** Inserts `rows` (values in `columns` order) in one transaction; all or none. */
  insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
}

/**
 * Opens SQLite with the settings a single-node gateway wants: WAL (readers never block the
 * writer), `synchronous = NORMAL` (a commit is durable once the call returns against a killed
 * process, though not against power loss; the WAL is synced at checkpoints), a busy timeout
 * for other processes (CLI next to a server) and foreign keys enforced. Kysely's statements are
 * prepared once per SQL text (`statement-cache.ts`).
 */
export function openSqlite(options: SqliteOptions): { db: Kysely<DatabaseSchema>; rows: SqliteRowWriter } {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new Database(options.path);
  // The busy timeout first: switching a new file to WAL takes a lock, and a second worker opening
  // it at the same moment failed at once with "database is locked" when the timeout came after.
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  openWithWal(database, options.busyTimeoutMs ?? 5_000, ['synchronous = NORMAL', 'foreign_keys = ON']);
  const thread = options.writerThread === true && options.path !== ':memory:' ? createRowWriterThread({ path: options.path, busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5_000), nice: options.writerThreadNice ?? 0 }) : undefined;
  const cached = withStatementCache(database);
  const closing = {
    prepare: cached.prepare,
    close: () => {
      thread?.close();
      cached.close();
    },
  };
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: closing }), ...(options.log === undefined ? {} : { log: options.log }) });
  const statements = new Map<string, Statement>();
  const insertAll = database.transaction((statement: Statement, rows: readonly (readonly unknown[])[]) => {
    for (const row of rows) statement.run(row);
  });
  const rows: SqliteRowWriter = {
    async insert(table, columns, values) {
      const text = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
      const query = CompiledQuery.raw(text, values[0] === undefined ? [] : [...values[0]]);
      if (thread) {
        // The thread's own connection: Kysely's is free meanwhile; a reader on it sees the batch once committed.
        const started = performance.now();
        try {
          const durationMs = await thread.insert(text, values);
          options.log?.({ level: 'query', query, queryDurationMillis: durationMs });
        } catch (error) {
          options.log?.({ level: 'error', error, query, queryDurationMillis: performance.now() - started });
          throw error;
        }
        return;
      }
      // Inside Kysely's hold on its one connection: no Kysely transaction is open around this one
      // (better-sqlite3 would nest it as a savepoint of that transaction).
      await db.connection().execute(async () => {
        const started = performance.now();
        try {
          let statement = statements.get(text);
          if (!statement) statements.set(text, (statement = database.prepare(text)));
          insertAll(statement, values);
        } catch (error) {
          options.log?.({ level: 'error', error, query, queryDurationMillis: performance.now() - started });
          throw error;
        }
        // One entry per batch for the query observer (`profile database`), as the one multi-row statement was.
        options.log?.({ level: 'query', query, queryDurationMillis: performance.now() - started });
      });
    },
  };
  return { db, rows };
}
