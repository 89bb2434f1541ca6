import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { decodeOptionalJson, decodeTime, encodeOptionalJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, LearningDataTable } from '../database-schema.js';

export interface LearningInput {
  id?: string;
  /** e.g. `routing_weight`, `quality_threshold`, `prompt_template`. */
  learningType: string;
  /** What was adjusted, e.g. a provider or template name. */
  subject: string;
  before?: unknown;
  after?: unknown;
  /** 0–1. */
  confidenceScore: number;
  /** e.g. `applied`, `rolled_back`; null while pending. */
  outcome?: string | null;
  /** Epoch ms; the storage clock when absent. */
  createdAt?: number;
}

export interface LearningRecord {
  id: string;
  learningType: string;
  subject: string;
  before: unknown;
  after: unknown;
  confidenceScore: number;
  outcome: string | null;
  /** Epoch ms. */
  createdAt: number;
}

export interface LearningRepository {
  insert(input: LearningInput): Promise<LearningRecord>;
  /** Newest first; `minConfidence` ≥ 0.8 is served by the seed's partial index. */
  listRecent(options?: { learningType?: string; minConfidence?: number; limit?: number }): Promise<LearningRecord[]>;
}

const COLUMNS = [
  'id',
  'learning_type',
  'subject',
  'before',
  'after',
  'confidence_score',
  'outcome',
  'created_at',
] as const satisfies ReadonlyArray<keyof LearningDataTable>;

export function createLearningRepository(db: Kysely<DatabaseSchema>, context: StorageContext): LearningRepository {
  const decode = (row: Selectable<LearningDataTable>): LearningRecord => ({
    id: row.id,
    learningType: row.learning_type,
    subject: row.subject,
    before: decodeOptionalJson<unknown>(context.dialect, row.before),
    after: decodeOptionalJson<unknown>(context.dialect, row.after),
    confidenceScore: row.confidence_score,
    outcome: row.outcome,
    createdAt: decodeTime(row.created_at),
  });

  return {
    async insert(input) {
      const row = await db
        .insertInto('learning_data')
        .values({
          id: input.id ?? randomUUID(),
          learning_type: input.learningType,
          subject: input.subject,
          before: encodeOptionalJson(input.before),
          after: encodeOptionalJson(input.after),
          confidence_score: input.confidenceScore,
          outcome: input.outcome ?? null,
          created_at: encodeTime(input.createdAt ?? context.now()),
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      return decode(row);
    },

    async listRecent(options = {}) {
      let query = db.selectFrom('learning_data').select(COLUMNS);
      if (options.learningType !== undefined) query = query.where('learning_type', '=', options.learningType);
      if (options.minConfidence !== undefined) query = query.where('confidence_score', '>=', options.minConfidence);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit ?? 50)
        .execute();
      return rows.map(decode);
    },
  };
}
