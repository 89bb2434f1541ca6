import { CompiledQuery } from 'kysely';
import type { Kysely, LogEvent } from 'kysely';

/**
 * Every statement the driver runs (repositories, transactions, `storage.db` direct), as Kysely's
 * `log` hook reports it: SQL text with placeholders, duration, outcome. Listeners are attached
 * only while a profile runs; with none, the hook returns at once.
 */
export interface ObservedQuery {
  /** SQL as sent, with `?` / `$n` placeholders; parameter values are never part of it. */
  sql: string;
  parameterCount: number;
  /** ms since the epoch when the statement ended. */
  at: number;
  durationMs: number;
  ok: boolean;
}

export type QueryListener = (query: ObservedQuery) => void;

export interface QueryObserver {
  /** For `new Kysely({ log })`. */
  log(event: LogEvent): void;
  /** Adds a listener; returns its removal. */
  observe(listener: QueryListener): () => void;
}

export function createQueryObserver(): QueryObserver {
  const listeners = new Set<QueryListener>();
  return {
    log(event) {
      if (listeners.size === 0) return;
      const query: ObservedQuery = {
        sql: event.query.sql,
        parameterCount: event.query.parameters.length,
        at: Date.now(),
        durationMs: event.queryDurationMillis,
        ok: event.level === 'query',
      };
      for (const listener of listeners) listener(query);
    },
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Statements whose plan can be asked for without running them. */
const EXPLAINABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * The planner's plan for `sql`, one line per plan node, without running the statement and
 * without parameter values: SQLite `EXPLAIN QUERY PLAN` (placeholders bound to NULL; its plan
 * shows `?`), PostgreSQL `EXPLAIN` (no ANALYZE) of the generic plan of a prepared statement, so
 * the plan shows `$1`… and no value. Throws with the database's message when it cannot.
 */
export async function explainQuery(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres', sql: string, parameterCount: number): Promise<string[]> {
  if (!EXPLAINABLE.test(sql)) throw new Error('only SELECT, INSERT, UPDATE, DELETE and WITH statements are explained');
  const nulls = Array.from({ length: parameterCount }, () => null);
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ id: number; parent: number; detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${sql}`, nulls));
    const depth = new Map<number, number>([[0, -1]]);
    return result.rows.map((row) => {
      const level = (depth.get(row.parent) ?? -1) + 1;
      depth.set(row.id, level);
      return `${'  '.repeat(level)}${row.detail}`;
    });
  }
  // PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): prepare the statement and force the generic
  // plan, on one pinned connection, then put the session back as it was.
  const name = `fortitude_explain_${process.pid}_${Date.now()}`;
  return db.connection().execute(async (connection) => {
    await connection.executeQuery(CompiledQuery.raw('SET plan_cache_mode = force_generic_plan'));
    let prepared = false;
    try {
      await connection.executeQuery(CompiledQuery.raw(`PREPARE ${name} AS ${sql}`));
      prepared = true;
      const args = nulls.length === 0 ? '' : `(${nulls.map(() => 'NULL').join(', ')})`;
      const result = await connection.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN EXECUTE ${name}${args}`));
      return result.rows.map((row) => row['QUERY PLAN']);
    } finally {
      if (prepared) await connection.executeQuery(CompiledQuery.raw(`DEALLOCATE ${name}`));
      await connection.executeQuery(CompiledQuery.raw('RESET plan_cache_mode'));
    }
  });
}
