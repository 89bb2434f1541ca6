import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Dialect } from '../codec.js';

/** Column types and defaults spelled per engine, so each table's DDL is written once. */
export interface SqlTypes {
  timestamp: string;
  json: string;
  flag: string;
  real: string;
  now: string;
  false: string;
}

export function sqlTypes(dialect: Dialect): SqlTypes {
  return dialect === 'postgres'
    ? { timestamp: 'timestamptz', json: 'jsonb', flag: 'boolean', real: 'double precision', now: 'now()', false: 'false' }
    : {
        // Same shape as Date#toISOString(), so rows written by SQL defaults sort with the rest.
        timestamp: 'TEXT',
        json: 'TEXT',
        flag: 'INTEGER',
        real: 'REAL',
        now: "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        false: '0',
      };
}

/** better-sqlite3 prepares one statement at a time, so DDL runs statement by statement. */
export async function runStatements(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
