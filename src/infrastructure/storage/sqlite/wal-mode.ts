import type { Database } from 'better-sqlite3';

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * The settings every Fortitude SQLite connection opens with — `journal_mode = WAL` and `pragmas`
 * (e.g. `synchronous = NORMAL`) — retried while another connection holds a lock they need, until
 * `busyTimeoutMs` has passed. SQLite refuses some lock requests at once with SQLITE_BUSY ("database
 * is locked") instead of calling the busy handler, when waiting could deadlock: two processes
 * switching a new file to WAL at the same instant both hold the shared lock and want the exclusive
 * one. A worker of `serve --workers 2` on a fresh data dir exited at start that way once in CI
 * (`fortitude benchmark`'s server; not reproduced in 150 tries of 3–4 processes). The pause blocks:
 * this is the open, before anything is served.
 */
export function openWithWal(database: Database, busyTimeoutMs: number, pragmas: readonly string[]): void {
  const until = Date.now() + busyTimeoutMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(100, pauseMs * 2)) {
    try {
      database.pragma('journal_mode = WAL');
      for (const pragma of pragmas) database.pragma(pragma);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw error;
      Atomics.wait(PAUSE, 0, 0, pauseMs);
    }
  }
}
