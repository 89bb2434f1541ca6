import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../codec.js';
import { runStatements } from './sql-types.js';

/**
 * The seed's indexes ("Database Performance Optimization"), under the seed's names, plus the
 * ones the repositories' queries need. The seed builds them `CONCURRENTLY`, which cannot run in
 * a transaction; a migration creates them on (near-)empty tables, where a plain build is
 * instant. The seed's GIN index on feedback text is PostgreSQL-only; SQLite gets FTS5 in 0003.
 */
export function indexesMigration(dialect: Dialect): Migration {
  const statements = [
    // Seed.
    'CREATE INDEX IF NOT EXISTS idx_user_feedback_composite ON user_feedback (user_id, timestamp DESC, feedback_type)',
    ...(dialect === 'postgres'
      ? [
          `CREATE INDEX IF NOT EXISTS idx_user_feedback_content_gin ON user_feedback USING gin (to_tsvector('english', text_feedback))`,
        ]
      : []),
    'CREATE INDEX IF NOT EXISTS idx_pattern_data_composite ON pattern_data (pattern_type, frequency DESC, last_seen DESC)',
    'CREATE INDEX IF NOT EXISTS idx_pattern_data_success_rate ON pattern_data (success_rate DESC) WHERE frequency >= 10',
    'CREATE INDEX IF NOT EXISTS idx_learning_data_type_created ON learning_data (learning_type, created_at DESC)',
    'CREATE INDEX IF NOT EXISTS idx_learning_data_confidence ON learning_data (confidence_score DESC) WHERE confidence_score >= 0.8',
    'CREATE INDEX IF NOT EXISTS idx_quality_metrics_provider_time ON quality_metrics (provider, timestamp DESC)',
    'CREATE INDEX IF NOT EXISTS idx_quality_metrics_composite_score ON quality_metrics (composite_score DESC, timestamp DESC)',
    // Ours: lookups by result, listing newest first, cost and latency windows.
    'CREATE INDEX IF NOT EXISTS idx_user_feedback_result ON user_feedback (result_id)',
    'CREATE INDEX IF NOT EXISTS idx_research_results_normalized ON research_results (normalized_query, created_at DESC)',
    'CREATE INDEX IF NOT EXISTS idx_quality_metrics_result ON quality_metrics (result_id)',
    'CREATE INDEX IF NOT EXISTS idx_research_results_created ON research_results (created_at DESC)',
    'CREATE INDEX IF NOT EXISTS idx_research_results_type_created ON research_results (research_type, created_at DESC)',
    'CREATE INDEX IF NOT EXISTS idx_research_results_cache_key ON research_results (cache_key)',
    'CREATE INDEX IF NOT EXISTS idx_provider_requests_created ON provider_requests (created_at)',
    'CREATE INDEX IF NOT EXISTS idx_provider_requests_provider_created ON provider_requests (provider, created_at)',
    'CREATE INDEX IF NOT EXISTS idx_provider_requests_user_created ON provider_requests (user_id, created_at)',
  ];
  return { up: (db: Kysely<unknown>) => runStatements(db, statements) };
}
