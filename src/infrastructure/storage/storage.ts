import type { Kysely } from 'kysely';
import type { Dialect } from './codec.js';
import type { DatabaseSchema } from './database-schema.js';
import type { QueryListener } from './query-observer.js';
import type { ApiKeysRepository } from './repositories/api-keys.js';
import type { FeedbackRepository } from './repositories/feedback.js';
import type { LearningRepository } from './repositories/learning.js';
import type { PatternsRepository } from './repositories/patterns.js';
import type { ProviderRequestsRepository } from './repositories/provider-requests.js';
import type { QualityMetricsRepository } from './repositories/quality-metrics.js';
import type { ResearchResultsRepository } from './repositories/research-results.js';
import type { StoredResponsesRepository } from './repositories/stored-responses.js';

export interface StorageOptions {
  /** `postgres://…`: PostgreSQL. Absent: SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file, default `./.fortitude/fortitude.db` (directory created). */
  sqlitePath?: string;
  /**
   * SQLite: bulk inserts (request records, batched learning records) in a thread of their own, off
   * the caller's (`serve`'s serving thread); see `sqlite/row-writer-thread.ts`. Default off.
   */
  sqliteWriterThread?: boolean;
  /** The writer thread's nice value (Linux; 0 keeps the process's): it yields its core to the serving thread. */
  sqliteWriterThreadNice?: number;
  /** PostgreSQL pool size, default 10. */
  poolSize?: number;
  /** PostgreSQL schema for all tables (created if missing), e.g. per test file. Ignored on SQLite. */
  schema?: string;
  /** Monthly `user_feedback` partitions kept ahead of the current month by `migrate()`; default 3. */
  feedbackPartitionMonthsAhead?: number;
}

export interface StorageDependencies {
  /** Epoch ms; default `Date.now`. Used for timestamps not given by the caller. */
  now?: () => number;
  /** Errors of idle PostgreSQL connections (the pool replaces them). */
  onPoolError?: (error: Error) => void;
}

export interface HealthStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/**
 * Fortitude's durable state on SQLite or PostgreSQL, with the same behaviour on both.
 *
 * Time convention: every timestamp a repository accepts or returns is a JS number of epoch
 * milliseconds (UTC). In the database it is an ISO-8601 string on SQLite and `timestamptz` on
 * PostgreSQL; callers never see either.
 */
export interface Storage {
  readonly dialect: Dialect;
  /** For queries no repository covers; prefer adding a repository function. */
  readonly db: Kysely<DatabaseSchema>;
  readonly researchResults: ResearchResultsRepository;
  readonly feedback: FeedbackRepository;
  readonly qualityMetrics: QualityMetricsRepository;
  readonly providerRequests: ProviderRequestsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly patterns: PatternsRepository;
  readonly learning: LearningRepository;
  /** Responses API objects kept for `previous_response_id`, per API key, until they expire. */
  readonly storedResponses: StoredResponsesRepository;
  /**
   * Calls `listener` after every statement this storage runs (SQL with placeholders, duration,
   * outcome; never parameter values) until the returned function is called. For profiling.
   */
  observeQueries(listener: QueryListener): () => void;
  /** The plan of `sql` (EXPLAIN QUERY PLAN / EXPLAIN of the generic plan), one line per node; the statement is not run. */
  explain(sql: string, parameterCount: number): Promise<string[]>;
  /**
   * Applies pending migrations (safe to call from several processes at once) and, on
   * PostgreSQL, ensures the upcoming feedback partitions. Returns the migrations it applied.
   */
  migrate(): Promise<{ applied: string[] }>;
  /**
   * PostgreSQL: creates `user_feedback` partitions for this month and the next `monthsAhead`
   * and returns the names created. SQLite: no partitions, returns `[]`.
   */
  ensureFeedbackPartitions(monthsAhead?: number): Promise<string[]>;
  /** Round trip of a trivial query; never throws. */
  healthCheck(): Promise<HealthStatus>;
  /** Closes the pool or file; idempotent. */
  close(): Promise<void>;
}
