import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../codec.js';
import { runStatements, sqlTypes } from './sql-types.js';

/**
 * Responses kept for the Responses API's `previous_response_id` and `GET /v1/responses/{id}`.
 * `owner` is the API key name that created the row ('' with auth off): every read filters on it.
 * Rows past `expires_at` are never read and are deleted in batches (`deleteExpired`).
 */
export function storedResponsesMigration(dialect: Dialect): Migration {
  const t = sqlTypes(dialect);
  const statements = [
    `CREATE TABLE IF NOT EXISTS stored_responses (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  created_at ${t.timestamp} NOT NULL,
  expires_at ${t.timestamp} NOT NULL,
  response ${t.json} NOT NULL,
  conversation ${t.json} NOT NULL
)`,
    'CREATE INDEX IF NOT EXISTS idx_stored_responses_expires_at ON stored_responses (expires_at)',
  ];
  return { up: (db: Kysely<unknown>) => runStatements(db, statements) };
}
