import { timeOrderedUuid } from '../../../core/random-id.js';
import type { Kysely, Selectable } from 'kysely';
import { decodeOptionalJson, decodeTime, encodeOptionalJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, LearningDataTable } from '../database-schema.js';
import type { SqliteRowWriter } from '../sqlite/open-sqlite.js';

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
  /** Many records in one transaction (all or none); returns the number written. */
  insertMany(inputs: readonly LearningInput[]): Promise<number>;
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

/** `sqliteRows`: on SQLite, `insertMany` goes through one prepared single-row statement (as the request records do). */
export function createLearningRepository(db: Kysely<DatabaseSchema>, context: StorageContext, sqliteRows?: SqliteRowWriter): LearningRepository {
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

  const encode = (input: LearningInput) => {
    const createdAt = input.createdAt ?? context.now();
    return {
      // Time-ordered: appended at the primary key index's right edge (see `timeOrderedUuid`).
      id: input.id ?? timeOrderedUuid(createdAt),
      learning_type: input.learningType,
      subject: input.subject,
      before: encodeOptionalJson(input.before),
      after: encodeOptionalJson(input.after),
      confidence_score: input.confidenceScore,
      outcome: input.outcome ?? null,
      created_at: encodeTime(createdAt),
    };
  };

  return {
    async insert(input) {
      const row = await db.insertInto('learning_data').values(encode(input)).returning(COLUMNS).executeTakeFirstOrThrow();
      return decode(row);
    },

    async insertMany(inputs) {
      if (inputs.length === 0) return 0;
      const rows = inputs.map(encode);
      if (sqliteRows) {
        await sqliteRows.insert('learning_data', COLUMNS, rows.map((row) => COLUMNS.map((column) => row[column])));
        return rows.length;
      }
      // 8 parameters a row: 500 rows stay under SQLite's and PostgreSQL's parameter limits.
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < rows.length; start += 500) await trx.insertInto('learning_data').values(rows.slice(start, start + 500)).execute();
      });
      return rows.length;
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
