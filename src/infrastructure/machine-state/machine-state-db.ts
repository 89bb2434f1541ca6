import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { storageError } from '../storage/storage-errors.js';
import { openWithWal } from '../storage/sqlite/wal-mode.js';

/**
 * The state every process of one machine shares when no Redis is configured: the budget
 * ledger, provider rate-limit buckets and the learned-routing journal, in one SQLite file in the
 * data directory (`shared-state.db`). Workers of `fortitude serve`, a restarted server and each
 * CLI call open the same file, so a budget or a limit means the same thing to all of them.
 *
 * better-sqlite3 directly, not Kysely: each store operation is a read-check-write that must be
 * atomic across processes, which is one synchronous `BEGIN IMMEDIATE` transaction here (no
 * await inside it, so no other statement of this process can interleave, and the write lock
 * taken up front means no other process can either). It is a separate file from the main
 * database so these short writes never queue behind research writes, and so it exists
 * whichever database (SQLite or PostgreSQL) holds the research data.
 */

export type MachineStateDatabase = Database.Database;

export interface MachineStateOptions {
  /** The file; its directory is created. `:memory:` for a private database (tests). */
  path: string;
  /** How long a writer waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
}

// Reservations hold only calls in flight (tens of rows): the once-a-second sweep scans them,
// and no expiry index makes every reservation write one b-tree more. A limiter's buckets are one
// row (JSON levels), so an acquire is one read and one write. Keyed tables are WITHOUT ROWID:
// one b-tree per write instead of the table and its key index.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS budget_periods (
  key TEXT PRIMARY KEY,
  spent INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS budget_reservations (
  id TEXT PRIMARY KEY,
  amount INTEGER NOT NULL,
  period_keys TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rate_limiters (
  limiter TEXT PRIMARY KEY,
  levels TEXT NOT NULL,
  blocked_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS routing_observations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_routing_observations_kind_at ON routing_observations (kind, at);
`;

/** Opens (creating if needed) the machine-state file with WAL and a cross-process busy timeout. */
export function openMachineState(options: MachineStateOptions): MachineStateDatabase {
  let database: MachineStateDatabase | undefined;
  try {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    database = new Database(options.path);
    database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
    // A commit survives a killed process (what a restart needs); only power loss may drop the last ones.
    openWithWal(database, options.busyTimeoutMs ?? 5_000, ['synchronous = NORMAL']);
    database.exec(SCHEMA);
    return database;
  } catch (error) {
    database?.close();
    const why = error instanceof Error ? error.message : String(error);
    throw storageError(`data_dir: cannot open the shared budget and rate-limit state ${options.path} (${why}); make data_dir writable, or set REDIS_URL to keep that state in Redis`, error);
  }
}
