import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { FortitudeError } from '../../../core/errors.js';
import { decodeNumber, decodeTime, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, UserFeedbackTable } from '../database-schema.js';
import { fts5Query, searchTerms, tsQuery } from '../full-text.js';
import { rethrowConstraint } from '../storage-errors.js';
import type { MatchMode } from '../full-text.js';

export interface FeedbackInput {
  id?: string;
  resultId: string;
  userId?: string | null;
  /** Whole number 1–5. */
  rating: number;
  textFeedback?: string | null;
  /** Free-form kind, e.g. `rating` (default), `correction`, `comment`. */
  feedbackType?: string;
  /** Epoch ms; the storage clock when absent. */
  timestamp?: number;
}

export interface FeedbackRecord {
  id: string;
  resultId: string;
  userId: string | null;
  rating: number;
  textFeedback: string | null;
  feedbackType: string;
  /** Epoch ms. */
  timestamp: number;
}

export interface RatingSummary {
  count: number;
  /** Mean rating, or null when there is none. */
  average: number | null;
}

export interface FeedbackRepository {
  /** Throws `bad_request` for a rating outside 1–5 and `not_found` for an unknown result. */
  insert(input: FeedbackInput): Promise<FeedbackRecord>;
  /** Newest first. */
  listForResult(resultId: string): Promise<FeedbackRecord[]>;
  averageRating(filter?: { resultId?: string; userId?: string; from?: number; to?: number }): Promise<RatingSummary>;
  /** Full-text search over feedback text; best match first. */
  search(text: string, options?: { limit?: number; match?: MatchMode }): Promise<Array<FeedbackRecord & { score: number }>>;
}

const COLUMNS = [
  'id',
  'result_id',
  'user_id',
  'rating',
  'text_feedback',
  'feedback_type',
  'timestamp',
] as const satisfies ReadonlyArray<keyof UserFeedbackTable>;

type Row = Selectable<UserFeedbackTable>;

function decode(row: Row): FeedbackRecord {
  return {
    id: row.id,
    resultId: row.result_id,
    userId: row.user_id,
    rating: row.rating,
    textFeedback: row.text_feedback,
    feedbackType: row.feedback_type,
    timestamp: decodeTime(row.timestamp),
  };
}

export function createFeedbackRepository(db: Kysely<DatabaseSchema>, context: StorageContext): FeedbackRepository {
  return {
    async insert(input) {
      if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
        throw new FortitudeError('bad_request', `rating must be a whole number from 1 to 5, got ${input.rating}`);
      }
      const row = await db
        .insertInto('user_feedback')
        .values({
          id: input.id ?? randomUUID(),
          result_id: input.resultId,
          user_id: input.userId ?? null,
          rating: input.rating,
          text_feedback: input.textFeedback ?? null,
          feedback_type: input.feedbackType ?? 'rating',
          timestamp: encodeTime(input.timestamp ?? context.now()),
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow()
        .catch((error: unknown) =>
          rethrowConstraint(error, { foreignKey: `research result ${input.resultId} not found`, unique: `feedback ${input.id} exists` }),
        );
      return decode(row);
    },

    async listForResult(resultId) {
      const rows = await db
        .selectFrom('user_feedback')
        .select(COLUMNS)
        .where('result_id', '=', resultId)
        .orderBy('timestamp', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(decode);
    },

    async averageRating(filter = {}) {
      let query = db
        .selectFrom('user_feedback')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.avg('rating').as('average')]);
      if (filter.resultId !== undefined) query = query.where('result_id', '=', filter.resultId);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.from !== undefined) query = query.where('timestamp', '>=', encodeTime(filter.from));
      if (filter.to !== undefined) query = query.where('timestamp', '<', encodeTime(filter.to));
      const row = await query.executeTakeFirstOrThrow();
      const count = decodeNumber(row.count);
      return { count, average: count === 0 ? null : decodeNumber(row.average) };
    },

    async search(text, options = {}) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      const mode = options.match ?? 'all';
      const columns = sql.join(COLUMNS.map((column) => sql.ref(`f.${column}`)));
      const limit = options.limit ?? 20;
      // On PostgreSQL the expression matches the seed's GIN index `idx_user_feedback_content_gin`.
      const query =
        context.dialect === 'sqlite'
          ? sql<Row & { score: number }>`SELECT ${columns}, -bm25(user_feedback_fts) AS score
              FROM user_feedback_fts JOIN user_feedback f ON f.seq = user_feedback_fts.rowid
              WHERE user_feedback_fts MATCH ${fts5Query(terms, mode)}
              ORDER BY score DESC, f.timestamp DESC, f.id DESC LIMIT ${limit}`
          : sql<Row & { score: number }>`SELECT ${columns}, ts_rank(to_tsvector('english', f.text_feedback), q) AS score
              FROM user_feedback f, to_tsquery('english', ${tsQuery(terms, mode)}) q
              WHERE to_tsvector('english', f.text_feedback) @@ q
              ORDER BY score DESC, f.timestamp DESC, f.id DESC LIMIT ${limit}`;
      const { rows } = await query.execute(db);
      return rows.map((row) => ({ ...decode(row), score: Number(row.score) }));
    },
  };
}
