import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; the oldest is dropped past this (texts with variable `IN` lists vary). */
export const MAX_CACHED_STATEMENTS = 256;

/**
 * The database as Kysely's SQLite driver sees it, with its prepared statements kept by SQL text.
 * The driver prepares every query it runs (`db.prepare(sql)`, then `all` or `run`): for a
 * research cache miss that was 5–6 statements compiled per request (the library lookup's 23-column
 * `SELECT` alone ~0.3–0.9 ms), the same few texts every time. Reusing a statement is safe here:
 * the driver runs one query at a time on its single connection (its mutex is held until a
 * streamed query's iterator finishes), better-sqlite3 resets a statement after each run, and SQLite
 * recompiles a prepared statement itself when the schema changed.
 */
export function withStatementCache(database: Database, maxStatements = MAX_CACHED_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
