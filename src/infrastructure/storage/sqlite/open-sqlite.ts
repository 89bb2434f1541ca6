import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { LogEvent } from 'kysely';
import type { DatabaseSchema } from '../database-schema.js';

export const DEFAULT_SQLITE_PATH = './.fortitude/fortitude.db';

export interface SqliteOptions {
  /** Database file; its directory is created. `:memory:` for a private in-memory database. */
  path: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Kysely's log hook: every statement with its SQL text and duration. */
  log?: (event: LogEvent) => void;
}

/**
 * Opens SQLite with the settings a single-node gateway wants: WAL (readers never block the
 * writer), `synchronous = NORMAL` (a commit is durable once the call returns against a killed
 * process, though not against power loss; the WAL is synced at checkpoints), a busy timeout
 * for other processes (CLI next to a server) and foreign keys enforced.
 */
export function openSqlite(options: SqliteOptions): Kysely<DatabaseSchema> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new Database(options.path);
  // The busy timeout first: switching a new file to WAL takes a lock, and a second worker opening
  // it at the same moment failed at once with "database is locked" when the timeout came after.
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database }), ...(options.log === undefined ? {} : { log: options.log }) });
}
