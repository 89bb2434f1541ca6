import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../codec.js';
import { runStatements, sqlTypes } from './sql-types.js';

/**
 * The seed's five tables plus `provider_requests` and `api_keys`.
 *
 * On SQLite, `research_results` and `user_feedback` carry an `INTEGER PRIMARY KEY` (`seq`) besides
 * their text id: FTS5 external-content tables key on an integer rowid, and an implicit rowid may
 * change on VACUUM. On PostgreSQL `user_feedback` is partitioned by month (see
 * `postgres/feedback-partitions.ts`); its primary key must include the partition key.
 */
export function tablesMigration(dialect: Dialect): Migration {
  const t = sqlTypes(dialect);
  const sqlite = dialect === 'sqlite';
  const idColumn = sqlite ? 'seq INTEGER PRIMARY KEY,\n  id TEXT NOT NULL UNIQUE' : 'id text PRIMARY KEY';

  const statements = [
    `CREATE TABLE IF NOT EXISTS research_results (
  ${idColumn},
  created_at ${t.timestamp} NOT NULL DEFAULT ${t.now},
  query TEXT NOT NULL,
  normalized_query TEXT NOT NULL,
  research_type TEXT NOT NULL,
  audience TEXT,
  domain TEXT,
  urgency TEXT,
  classification ${t.json},
  answer TEXT NOT NULL,
  sections ${t.json},
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd ${t.real} NOT NULL DEFAULT 0,
  quality_composite ${t.real},
  quality_breakdown ${t.json},
  timings ${t.json},
  cache_key TEXT,
  user_id TEXT,
  slug TEXT UNIQUE,
  metadata ${t.json}
)`,
    `CREATE TABLE IF NOT EXISTS quality_metrics (
  id TEXT PRIMARY KEY,
  result_id TEXT REFERENCES research_results (id) ON DELETE SET NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  research_type TEXT NOT NULL,
  composite_score ${t.real} NOT NULL,
  dimension_scores ${t.json} NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('evaluator', 'feedback', 'cross_validation')),
  timestamp ${t.timestamp} NOT NULL DEFAULT ${t.now}
)`,
    `CREATE TABLE IF NOT EXISTS user_feedback (
  ${sqlite ? idColumn : 'id TEXT NOT NULL'},
  result_id TEXT NOT NULL REFERENCES research_results (id) ON DELETE CASCADE,
  user_id TEXT,
  rating SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text_feedback TEXT,
  feedback_type TEXT NOT NULL DEFAULT 'rating',
  timestamp ${t.timestamp} NOT NULL DEFAULT ${t.now}${sqlite ? '' : ',\n  PRIMARY KEY (id, timestamp)'}
)${sqlite ? '' : ' PARTITION BY RANGE (timestamp)'}`,
    ...(sqlite ? [] : ['CREATE TABLE IF NOT EXISTS user_feedback_default PARTITION OF user_feedback DEFAULT']),
    `CREATE TABLE IF NOT EXISTS pattern_data (
  id TEXT PRIMARY KEY,
  pattern_type TEXT NOT NULL,
  pattern_key TEXT NOT NULL,
  frequency INTEGER NOT NULL DEFAULT 0,
  success_count INTEGER NOT NULL DEFAULT 0,
  success_rate ${t.real} NOT NULL DEFAULT 0,
  last_seen ${t.timestamp} NOT NULL DEFAULT ${t.now},
  metadata ${t.json},
  CONSTRAINT pattern_data_type_key UNIQUE (pattern_type, pattern_key)
)`,
    `CREATE TABLE IF NOT EXISTS learning_data (
  id TEXT PRIMARY KEY,
  learning_type TEXT NOT NULL,
  subject TEXT NOT NULL,
  "before" ${t.json},
  "after" ${t.json},
  confidence_score ${t.real} NOT NULL,
  outcome TEXT,
  created_at ${t.timestamp} NOT NULL DEFAULT ${t.now}
)`,
    `CREATE TABLE IF NOT EXISTS provider_requests (
  id TEXT PRIMARY KEY,
  created_at ${t.timestamp} NOT NULL DEFAULT ${t.now},
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd ${t.real} NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  error_class TEXT,
  research_type TEXT,
  user_id TEXT,
  request_id TEXT,
  cached ${t.flag} NOT NULL DEFAULT ${t.false},
  fallback_from TEXT
)`,
    `CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  scopes ${t.json} NOT NULL,
  rate_limit_per_minute INTEGER,
  created_at ${t.timestamp} NOT NULL DEFAULT ${t.now},
  last_used_at ${t.timestamp},
  revoked_at ${t.timestamp}
)`,
  ];

  return { up: (db: Kysely<unknown>) => runStatements(db, statements) };
}
