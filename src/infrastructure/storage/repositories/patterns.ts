import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { decodeOptionalJson, decodeTime, encodeOptionalJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, PatternDataTable } from '../database-schema.js';

export interface PatternObservation {
  /** e.g. `query_shape`, `provider_choice`. */
  patternType: string;
  /** Unique within its type. */
  patternKey: string;
  /** Whether this occurrence went well; the success rate is the share of successful ones. */
  success: boolean;
  /** Occurrences folded into this observation (batched writers); default 1. */
  occurrences?: number;
  /** Of those, how many went well; default all or none per `success`. */
  successes?: number;
  /** Epoch ms; the storage clock when absent. */
  seenAt?: number;
  /** Replaces the stored metadata when given; kept otherwise. */
  metadata?: Record<string, unknown> | null;
}

export interface PatternRecord {
  id: string;
  patternType: string;
  patternKey: string;
  frequency: number;
  successCount: number;
  /** successCount / frequency, 0–1. */
  successRate: number;
  /** Epoch ms of the latest occurrence. */
  lastSeen: number;
  metadata: Record<string, unknown> | null;
}

export interface PatternsRepository {
  /**
   * Records one occurrence in a single statement (insert, or increment on conflict), so
   * concurrent calls never lose a count.
   */
  upsert(observation: PatternObservation): Promise<PatternRecord>;
  /** Most frequent first (ties: most recent). */
  top(options?: { patternType?: string; limit?: number }): Promise<PatternRecord[]>;
  /** Patterns seen at least `minFrequency` times (default 10), most recently seen first. */
  recent(options?: { patternType?: string; minFrequency?: number; since?: number; limit?: number }): Promise<PatternRecord[]>;
}

const COLUMNS = [
  'id',
  'pattern_type',
  'pattern_key',
  'frequency',
  'success_count',
  'success_rate',
  'last_seen',
  'metadata',
] as const satisfies ReadonlyArray<keyof PatternDataTable>;

export function createPatternsRepository(db: Kysely<DatabaseSchema>, context: StorageContext): PatternsRepository {
  const decode = (row: Selectable<PatternDataTable>): PatternRecord => ({
    id: row.id,
    patternType: row.pattern_type,
    patternKey: row.pattern_key,
    frequency: row.frequency,
    successCount: row.success_count,
    successRate: row.success_rate,
    lastSeen: decodeTime(row.last_seen),
    metadata: decodeOptionalJson<Record<string, unknown>>(context.dialect, row.metadata),
  });
  // Scalar max of two timestamps: ISO text compares correctly on SQLite.
  const latest = context.dialect === 'sqlite' ? sql.raw('max') : sql.raw('greatest');

  return {
    async upsert(observation) {
      const occurrences = Math.max(1, Math.floor(observation.occurrences ?? 1));
      const success = Math.min(occurrences, observation.successes ?? (observation.success ? occurrences : 0));
      const row = await db
        .insertInto('pattern_data')
        .values({
          id: randomUUID(),
          pattern_type: observation.patternType,
          pattern_key: observation.patternKey,
          frequency: occurrences,
          success_count: success,
          success_rate: success / occurrences,
          last_seen: encodeTime(observation.seenAt ?? context.now()),
          metadata: encodeOptionalJson(observation.metadata),
        })
        .onConflict((conflict) =>
          conflict.columns(['pattern_type', 'pattern_key']).doUpdateSet({
            // Every right-hand side reads the row as it was before this update.
            frequency: sql`pattern_data.frequency + ${occurrences}`,
            success_count: sql`pattern_data.success_count + ${success}`,
            success_rate: sql`(pattern_data.success_count + ${success}) * 1.0 / (pattern_data.frequency + ${occurrences})`,
            last_seen: sql`${latest}(pattern_data.last_seen, excluded.last_seen)`,
            metadata: sql`coalesce(excluded.metadata, pattern_data.metadata)`,
          }),
        )
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      return decode(row);
    },

    async top(options = {}) {
      let query = db.selectFrom('pattern_data').select(COLUMNS);
      if (options.patternType !== undefined) query = query.where('pattern_type', '=', options.patternType);
      const rows = await query
        .orderBy('frequency', 'desc')
        .orderBy('last_seen', 'desc')
        .orderBy('pattern_key')
        .limit(options.limit ?? 20)
        .execute();
      return rows.map(decode);
    },

    async recent(options = {}) {
      let query = db
        .selectFrom('pattern_data')
        .select(COLUMNS)
        .where('frequency', '>=', options.minFrequency ?? 10);
      if (options.patternType !== undefined) query = query.where('pattern_type', '=', options.patternType);
      if (options.since !== undefined) query = query.where('last_seen', '>=', encodeTime(options.since));
      const rows = await query
        .orderBy('last_seen', 'desc')
        .orderBy('frequency', 'desc')
        .orderBy('pattern_key')
        .limit(options.limit ?? 20)
        .execute();
      return rows.map(decode);
    },
  };
}
