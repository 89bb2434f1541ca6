import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { Audience, Classification, Domain, QualityBreakdown, ResearchType, Urgency } from '../../../core/research.js';
import { decodeOptionalJson, decodeTime, encodeOptionalJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, ResearchResultsTable } from '../database-schema.js';
import { fts5Query, searchTerms, tsQuery } from '../full-text.js';
import type { MatchMode } from '../full-text.js';
import { rethrowConstraint } from '../storage-errors.js';

export interface ResearchSection {
  title: string;
  content: string;
}

export interface ResearchResultInput {
  /** Generated (UUID) when absent. */
  id?: string;
  /** Epoch ms; the storage clock when absent. */
  createdAt?: number;
  query: string;
  /** Cache/deduplication form of the query; defaults to trimmed, lower-cased, single-spaced. */
  normalizedQuery?: string;
  researchType: ResearchType;
  audience?: Audience | null;
  domain?: Domain | null;
  urgency?: Urgency | null;
  classification?: Classification | null;
  /** Markdown. */
  answer: string;
  sections?: ResearchSection[] | null;
  provider: string;
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  quality?: QualityBreakdown | null;
  /** Milliseconds per pipeline stage, e.g. `{ classify: 1, provider: 840 }`. */
  timings?: Record<string, number> | null;
  cacheKey?: string | null;
  userId?: string | null;
  /** Unique human-readable handle, e.g. for `/research/<slug>`. */
  slug?: string | null;
  /** Anything else the caller keeps with the result (e.g. simulated flag, attempts), as JSON. */
  metadata?: Record<string, unknown> | null;
}

export interface ResearchResultRecord {
  id: string;
  /** Epoch ms. */
  createdAt: number;
  query: string;
  normalizedQuery: string;
  researchType: ResearchType;
  audience: Audience | null;
  domain: Domain | null;
  urgency: Urgency | null;
  classification: Classification | null;
  answer: string;
  sections: ResearchSection[] | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Composite 0–1, or null when not assessed. */
  qualityComposite: number | null;
  quality: QualityBreakdown | null;
  timings: Record<string, number> | null;
  cacheKey: string | null;
  userId: string | null;
  slug: string | null;
  metadata: Record<string, unknown> | null;
}

export interface ResearchSearchHit extends ResearchResultRecord {
  /** Relevance, higher is better; comparable within one result list only (scale is per engine). */
  score: number;
}

export interface ResearchListOptions {
  type?: ResearchType;
  userId?: string;
  /** Default 20. */
  limit?: number;
  offset?: number;
}

export interface ResearchSearchOptions {
  type?: ResearchType;
  /** Only results stored for this user (API key name). */
  userId?: string;
  limit?: number;
  offset?: number;
  /** `all` (default): every word must occur; `any`: at least one. */
  match?: MatchMode;
}

export interface ResearchResultsRepository {
  /** Throws `bad_request` when the id or slug is taken. */
  insert(input: ResearchResultInput): Promise<ResearchResultRecord>;
  getById(id: string): Promise<ResearchResultRecord | undefined>;
  getBySlug(slug: string): Promise<ResearchResultRecord | undefined>;
  /** Newest first. */
  list(options?: ResearchListOptions): Promise<ResearchResultRecord[]>;
  /** Full-text search over query (weighted higher) and answer; best match first, newest on ties. */
  search(text: string, options?: ResearchSearchOptions): Promise<ResearchSearchHit[]>;
  /** How many results `search` finds in all (its `limit` and `offset` ignored): a page's `total`. */
  countMatches(text: string, options?: Pick<ResearchSearchOptions, 'type' | 'userId' | 'match'>): Promise<number>;
  count(options?: Pick<ResearchListOptions, 'type' | 'userId'>): Promise<number>;
  /**
   * The newest result for exactly this normalised query and context, created at or after
   * `since` (epoch ms): the persistent tier of the research answer cache.
   */
  findLatest(normalizedQuery: string, context: { researchType: ResearchType; audience?: string; domain?: string; userId?: string | null; since: number }): Promise<ResearchResultRecord | undefined>;
}

const COLUMNS = [
  'id',
  'created_at',
  'query',
  'normalized_query',
  'research_type',
  'audience',
  'domain',
  'urgency',
  'classification',
  'answer',
  'sections',
  'provider',
  'model',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'quality_composite',
  'quality_breakdown',
  'timings',
  'cache_key',
  'user_id',
  'slug',
  'metadata',
] as const satisfies ReadonlyArray<keyof ResearchResultsTable>;

type Row = Selectable<ResearchResultsTable>;

export function normalizeQuery(query: string): string {
  return query.trim().toLowerCase().replace(/\s+/g, ' ');
}

export function createResearchResultsRepository(db: Kysely<DatabaseSchema>, context: StorageContext): ResearchResultsRepository {
  const decode = (row: Row): ResearchResultRecord => ({
    id: row.id,
    createdAt: decodeTime(row.created_at),
    query: row.query,
    normalizedQuery: row.normalized_query,
    researchType: row.research_type as ResearchType,
    audience: row.audience as Audience | null,
    domain: row.domain as Domain | null,
    urgency: row.urgency as Urgency | null,
    classification: decodeOptionalJson<Classification>(context.dialect, row.classification),
    answer: row.answer,
    sections: decodeOptionalJson<ResearchSection[]>(context.dialect, row.sections),
    provider: row.provider,
    model: row.model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_usd,
    qualityComposite: row.quality_composite,
    quality: decodeOptionalJson<QualityBreakdown>(context.dialect, row.quality_breakdown),
    timings: decodeOptionalJson<Record<string, number>>(context.dialect, row.timings),
    cacheKey: row.cache_key,
    userId: row.user_id,
    slug: row.slug,
    metadata: decodeOptionalJson<Record<string, unknown>>(context.dialect, row.metadata),
  });

  const selectResults = () => db.selectFrom('research_results').select(COLUMNS);

  return {
    async insert(input) {
      const row = await db
        .insertInto('research_results')
        .values({
          id: input.id ?? randomUUID(),
          created_at: encodeTime(input.createdAt ?? context.now()),
          query: input.query,
          normalized_query: input.normalizedQuery ?? normalizeQuery(input.query),
          research_type: input.researchType,
          audience: input.audience ?? input.classification?.audience.value ?? null,
          domain: input.domain ?? input.classification?.domain.value ?? null,
          urgency: input.urgency ?? input.classification?.urgency.value ?? null,
          classification: encodeOptionalJson(input.classification),
          answer: input.answer,
          sections: encodeOptionalJson(input.sections),
          provider: input.provider,
          model: input.model,
          input_tokens: input.inputTokens ?? 0,
          output_tokens: input.outputTokens ?? 0,
          cost_usd: input.costUsd ?? 0,
          quality_composite: input.quality?.composite ?? null,
          quality_breakdown: encodeOptionalJson(input.quality),
          timings: encodeOptionalJson(input.timings),
          cache_key: input.cacheKey ?? null,
          user_id: input.userId ?? null,
          slug: input.slug ?? null,
          metadata: encodeOptionalJson(input.metadata),
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow()
        .catch((error: unknown) => rethrowConstraint(error, { unique: `a research result with id or slug "${input.slug ?? input.id}" exists` }));
      return decode(row);
    },

    async getById(id) {
      const row = await selectResults().where('id', '=', id).executeTakeFirst();
      return row && decode(row);
    },

    async getBySlug(slug) {
      const row = await selectResults().where('slug', '=', slug).executeTakeFirst();
      return row && decode(row);
    },

    async list(options = {}) {
      let query = selectResults();
      if (options.type !== undefined) query = query.where('research_type', '=', options.type);
      if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit ?? 20)
        .offset(options.offset ?? 0)
        .execute();
      return rows.map(decode);
    },

    async search(text, options = {}) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      const mode = options.match ?? 'all';
      const columns = sql.join(COLUMNS.map((column) => sql.ref(`r.${column}`)));
      const typeFilter = options.type === undefined ? sql`` : sql`AND r.research_type = ${options.type}`;
      const userFilter = options.userId === undefined ? sql`` : sql`AND r.user_id = ${options.userId}`;
      const page = sql`LIMIT ${options.limit ?? 20} OFFSET ${options.offset ?? 0}`;
      const query =
        context.dialect === 'sqlite'
          ? // bm25() is lower-is-better; weights: query column 2, answer 1 (PostgreSQL: A 1.0, B 0.4).
            sql<Row & { score: number }>`SELECT ${columns}, -bm25(research_results_fts, 2.0, 1.0) AS score
              FROM research_results_fts JOIN research_results r ON r.seq = research_results_fts.rowid
              WHERE research_results_fts MATCH ${fts5Query(terms, mode)} ${typeFilter} ${userFilter}
              ORDER BY score DESC, r.created_at DESC, r.id DESC ${page}`
          : sql<Row & { score: number }>`SELECT ${columns}, ts_rank(r.search_vector, q) AS score
              FROM research_results r, to_tsquery('english', ${tsQuery(terms, mode)}) q
              WHERE r.search_vector @@ q ${typeFilter} ${userFilter}
              ORDER BY score DESC, r.created_at DESC, r.id DESC ${page}`;
      const { rows } = await query.execute(db);
      return rows.map((row) => ({ ...decode(row), score: Number(row.score) }));
    },

    async countMatches(text, options = {}) {
      const terms = searchTerms(text);
      if (terms.length === 0) return 0;
      const mode = options.match ?? 'all';
      const typeFilter = options.type === undefined ? sql`` : sql`AND r.research_type = ${options.type}`;
      const userFilter = options.userId === undefined ? sql`` : sql`AND r.user_id = ${options.userId}`;
      const query =
        context.dialect === 'sqlite'
          ? sql<{ count: number | string }>`SELECT count(*) AS count
              FROM research_results_fts JOIN research_results r ON r.seq = research_results_fts.rowid
              WHERE research_results_fts MATCH ${fts5Query(terms, mode)} ${typeFilter} ${userFilter}`
          : sql<{ count: number | string }>`SELECT count(*) AS count
              FROM research_results r, to_tsquery('english', ${tsQuery(terms, mode)}) q
              WHERE r.search_vector @@ q ${typeFilter} ${userFilter}`;
      const { rows } = await query.execute(db);
      return Number(rows[0]?.count ?? 0);
    },

    async findLatest(normalizedQuery, context) {
      let query = selectResults()
        .where('normalized_query', '=', normalizedQuery)
        .where('research_type', '=', context.researchType)
        .where('created_at', '>=', encodeTime(context.since));
      if (context.audience !== undefined) query = query.where('audience', '=', context.audience);
      if (context.domain !== undefined) query = query.where('domain', '=', context.domain);
      query = context.userId ? query.where('user_id', '=', context.userId) : query.where('user_id', 'is', null);
      const row = await query.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
      return row ? decode(row) : undefined;
    },

    async count(options = {}) {
      let query = db.selectFrom('research_results').select((eb) => eb.fn.countAll().as('count'));
      if (options.type !== undefined) query = query.where('research_type', '=', options.type);
      if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
