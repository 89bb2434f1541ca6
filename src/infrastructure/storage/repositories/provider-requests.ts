import { timeOrderedUuid } from '../../../core/random-id.js';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ProviderErrorClass } from '../../../core/errors.js';
import type { ResearchType } from '../../../core/research.js';
import { decodeNumber, encodeFlag, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema } from '../database-schema.js';
import type { SqliteRowWriter } from '../sqlite/open-sqlite.js';

/** `ok`: an answer came back; `error`: the call failed (see `errorClass`); `cancelled`: the client left. */
export type ProviderRequestStatus = 'ok' | 'error' | 'cancelled';

export interface ProviderRequestInput {
  id?: string;
  /** Epoch ms; the storage clock when absent. */
  createdAt?: number;
  provider: string;
  model: string;
  latencyMs: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  status: ProviderRequestStatus;
  errorClass?: ProviderErrorClass | null;
  researchType?: ResearchType | null;
  /** Caller identity: API key name or CLI user. */
  userId?: string | null;
  requestId?: string | null;
  /** Served from cache (no upstream call, usually zero cost). */
  cached?: boolean;
  /** The provider this call replaced after it failed, when this is a fallback. */
  fallbackFrom?: string | null;
}

export type CostDimension = 'provider' | 'model' | 'user' | 'researchType';

export interface TimeWindow {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

export interface UsageTotals {
  requests: number;
  /** Requests whose status is not `ok`. */
  errors: number;
  cachedRequests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** One group of a cost summary; only the dimensions grouped by are present. */
export interface CostSummaryRow extends UsageTotals {
  provider?: string;
  model?: string;
  user?: string | null;
  researchType?: string | null;
}

export interface DailyUsage extends UsageTotals {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
}

/** Nearest-rank percentiles (the value at rank ⌈p·n⌉), identical on both engines. */
export interface LatencyPercentiles {
  provider: string;
  count: number;
  meanMs: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  maxMs: number;
}

export interface UsageFilter {
  provider?: string;
  userId?: string;
}

export interface ProviderRequestsRepository {
  /** One transaction, chunked inserts; returns the number of rows written. */
  insertMany(inputs: readonly ProviderRequestInput[]): Promise<number>;
  /** Totals grouped by any of the dimensions (none: one grand-total row, zeros when empty), most expensive first. */
  costSummary(options: TimeWindow & UsageFilter & { groupBy: readonly CostDimension[] }): Promise<CostSummaryRow[]>;
  /** One row per UTC day that has requests, oldest first. */
  dailyUsage(options: TimeWindow & UsageFilter): Promise<DailyUsage[]>;
  /** Per provider, ordered by provider; `status` narrows to e.g. successful calls only. */
  latencyPercentiles(options: TimeWindow & { status?: ProviderRequestStatus }): Promise<LatencyPercentiles[]>;
}

const DIMENSION_COLUMNS = {
  provider: 'provider',
  model: 'model',
  user: 'user_id',
  researchType: 'research_type',
} as const satisfies Record<CostDimension, string>;

/** 15 parameters a row: 500 rows stay under SQLite's and PostgreSQL's parameter limits. */
const CHUNK_ROWS = 500;

/** The columns `insertMany` writes, in the order of each row's values on the SQLite fast path. */
const INSERT_COLUMNS = [
  'id',
  'created_at',
  'provider',
  'model',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'status',
  'error_class',
  'research_type',
  'user_id',
  'request_id',
  'cached',
  'fallback_from',
] as const;

/** `sqliteRows`: on SQLite, batches go through one prepared statement instead of a multi-row Kysely insert (same rows, same transaction semantics). */
export function createProviderRequestsRepository(db: Kysely<DatabaseSchema>, context: StorageContext, sqliteRows?: SqliteRowWriter): ProviderRequestsRepository {
  const totals = sql`COUNT(*) AS requests,
    SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors,
    SUM(CASE WHEN cached THEN 1 ELSE 0 END) AS cached_requests,
    SUM(input_tokens) AS total_input_tokens,
    SUM(output_tokens) AS total_output_tokens,
    SUM(cost_usd) AS total_cost_usd`;

  const where = (options: TimeWindow & UsageFilter) => {
    const conditions = [sql`created_at >= ${encodeTime(options.from)}`, sql`created_at < ${encodeTime(options.to)}`];
    if (options.provider !== undefined) conditions.push(sql`provider = ${options.provider}`);
    if (options.userId !== undefined) conditions.push(sql`user_id = ${options.userId}`);
    return sql.join(conditions, sql` AND `);
  };

  const decodeTotals = (row: Record<string, unknown>): UsageTotals => ({
    requests: decodeNumber(row.requests),
    errors: decodeNumber(row.errors),
    cachedRequests: decodeNumber(row.cached_requests),
    inputTokens: decodeNumber(row.total_input_tokens),
    outputTokens: decodeNumber(row.total_output_tokens),
    costUsd: decodeNumber(row.total_cost_usd),
  });

  return {
    async insertMany(inputs) {
      if (inputs.length === 0) return 0;
      const rows = inputs.map((input) => {
        const createdAt = input.createdAt ?? context.now();
        return {
          // Time-ordered: a batch is appended at the primary key index's right edge (see `timeOrderedUuid`).
          id: input.id ?? timeOrderedUuid(createdAt),
          created_at: encodeTime(createdAt),
          provider: input.provider,
          model: input.model,
          latency_ms: Math.round(input.latencyMs),
          input_tokens: input.inputTokens ?? 0,
          output_tokens: input.outputTokens ?? 0,
          cost_usd: input.costUsd ?? 0,
          status: input.status,
          error_class: input.errorClass ?? null,
          research_type: input.researchType ?? null,
          user_id: input.userId ?? null,
          request_id: input.requestId ?? null,
          cached: encodeFlag(context.dialect, input.cached ?? false),
          fallback_from: input.fallbackFrom ?? null,
        };
      });
      if (sqliteRows) {
        await sqliteRows.insert('provider_requests', INSERT_COLUMNS, rows.map((row) => INSERT_COLUMNS.map((column) => row[column])));
        return rows.length;
      }
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
          await trx.insertInto('provider_requests').values(rows.slice(start, start + CHUNK_ROWS)).execute();
        }
      });
      return rows.length;
    },

    async costSummary(options) {
      const dimensions = [...new Set(options.groupBy)];
      const columns = dimensions.map((dimension) => sql.ref(DIMENSION_COLUMNS[dimension]));
      const select = columns.length === 0 ? totals : sql`${sql.join(columns)}, ${totals}`;
      const groupBy = columns.length === 0 ? sql`` : sql`GROUP BY ${sql.join(columns)}`;
      const { rows } = await sql<Record<string, unknown>>`SELECT ${select} FROM provider_requests
        WHERE ${where(options)} ${groupBy}
        ORDER BY total_cost_usd DESC, requests DESC`.execute(db);
      return rows.map((row) => {
        const summary: CostSummaryRow = decodeTotals(row);
        for (const dimension of dimensions) summary[dimension] = (row[DIMENSION_COLUMNS[dimension]] ?? null) as string;
        return summary;
      });
    },

    async dailyUsage(options) {
      const day =
        context.dialect === 'sqlite'
          ? sql`substr(created_at, 1, 10)` // ISO-8601 UTC text: the first 10 characters are the day
          : sql`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
      const { rows } = await sql<Record<string, unknown>>`SELECT ${day} AS day, ${totals} FROM provider_requests
        WHERE ${where(options)} GROUP BY ${day} ORDER BY day`.execute(db);
      return rows.map((row) => ({ day: String(row.day), ...decodeTotals(row) }));
    },

    async latencyPercentiles(options) {
      // Integer arithmetic (rank·10000 ≥ p·10000·n) so both engines pick the same rank.
      const percentile = (p: number) =>
        sql`MIN(CASE WHEN row_rank * 10000 >= ${sql.lit(Math.round(p * 10_000))} * row_total THEN latency_ms END)`;
      const status = options.status === undefined ? sql`` : sql`AND status = ${options.status}`;
      const { rows } = await sql<Record<string, unknown>>`WITH ranked AS (
          SELECT provider, latency_ms,
            ROW_NUMBER() OVER (PARTITION BY provider ORDER BY latency_ms) AS row_rank,
            COUNT(*) OVER (PARTITION BY provider) AS row_total
          FROM provider_requests
          WHERE created_at >= ${encodeTime(options.from)} AND created_at < ${encodeTime(options.to)} ${status})
        SELECT provider, MAX(row_total) AS request_count, AVG(latency_ms) AS mean_ms,
          ${percentile(0.5)} AS p50, ${percentile(0.9)} AS p90, ${percentile(0.95)} AS p95, ${percentile(0.99)} AS p99,
          MAX(latency_ms) AS max_ms
        FROM ranked GROUP BY provider ORDER BY provider`.execute(db);
      return rows.map((row) => ({
        provider: String(row.provider),
        count: decodeNumber(row.request_count),
        meanMs: decodeNumber(row.mean_ms),
        p50: decodeNumber(row.p50),
        p90: decodeNumber(row.p90),
        p95: decodeNumber(row.p95),
        p99: decodeNumber(row.p99),
        maxMs: decodeNumber(row.max_ms),
      }));
    },
  };
}
