import type { ColumnType } from 'kysely';

/**
 * Kysely table types. Values differ by engine on the way out, so each column type names what
 * both engines may return; repositories decode rows through `codec.ts` into engine-neutral
 * records (epoch-ms numbers, parsed JSON, booleans).
 *
 * - Timestamps are written as ISO-8601 UTC strings (`2025-01-31T12:00:00.000Z`): SQLite stores the
 *   string (lexicographic order = time order), PostgreSQL casts it to `timestamptz` and `pg`
 *   returns a `Date`.
 * - JSON is written as a JSON string: SQLite stores TEXT, PostgreSQL `jsonb` (returned parsed).
 * - Flags are `INTEGER` 0/1 on SQLite and `boolean` on PostgreSQL.
 */
export type Timestamp = ColumnType<Date | string, string, string>;
export type OptionalTimestamp = ColumnType<Date | string, string | undefined, string>;
export type NullableTimestamp = ColumnType<Date | string | null, string | null | undefined, string | null>;
export type Json = ColumnType<unknown, string, string>;
export type NullableJson = ColumnType<unknown, string | null | undefined, string | null>;
export type Flag = ColumnType<number | boolean, number | boolean, number | boolean>;
/** `pg` returns `numeric`/`bigint` as strings; aggregates are decoded with `Number()`. */
export type Real = ColumnType<number, number, number>;

export interface ResearchResultsTable {
  id: string;
  created_at: Timestamp;
  query: string;
  normalized_query: string;
  research_type: string;
  audience: string | null;
  domain: string | null;
  urgency: string | null;
  classification: NullableJson;
  answer: string;
  sections: NullableJson;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: Real;
  quality_composite: number | null;
  quality_breakdown: NullableJson;
  timings: NullableJson;
  cache_key: string | null;
  user_id: string | null;
  slug: string | null;
  metadata: NullableJson;
}

export interface QualityMetricsTable {
  id: string;
  result_id: string | null;
  provider: string;
  model: string;
  research_type: string;
  composite_score: Real;
  dimension_scores: Json;
  source: string;
  timestamp: Timestamp;
}

export interface UserFeedbackTable {
  id: string;
  result_id: string;
  user_id: string | null;
  rating: number;
  text_feedback: string | null;
  feedback_type: string;
  timestamp: Timestamp;
}

export interface PatternDataTable {
  id: string;
  pattern_type: string;
  pattern_key: string;
  frequency: number;
  success_count: number;
  success_rate: Real;
  last_seen: Timestamp;
  metadata: NullableJson;
}

export interface LearningDataTable {
  id: string;
  learning_type: string;
  subject: string;
  before: NullableJson;
  after: NullableJson;
  confidence_score: Real;
  outcome: string | null;
  created_at: Timestamp;
}

export interface ProviderRequestsTable {
  id: string;
  created_at: Timestamp;
  provider: string;
  model: string;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: Real;
  status: string;
  error_class: string | null;
  research_type: string | null;
  user_id: string | null;
  request_id: string | null;
  cached: Flag;
  fallback_from: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  scopes: Json;
  rate_limit_per_minute: number | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface StoredResponsesTable {
  id: string;
  /** API key name that created the response; '' when auth is off. */
  owner: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  response: Json;
  conversation: Json;
}

export interface DatabaseSchema {
  research_results: ResearchResultsTable;
  quality_metrics: QualityMetricsTable;
  user_feedback: UserFeedbackTable;
  pattern_data: PatternDataTable;
  learning_data: LearningDataTable;
  provider_requests: ProviderRequestsTable;
  api_keys: ApiKeysTable;
  stored_responses: StoredResponsesTable;
}
