import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { QualitySource, ResearchType } from '../../../core/research.js';
import { decodeJson, decodeNumber, decodeTime, encodeJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema, QualityMetricsTable } from '../database-schema.js';
import { rethrowConstraint } from '../storage-errors.js';

export interface QualityMetricInput {
  id?: string;
  /** A stored research result, or null for scores of answers that were not stored. */
  resultId?: string | null;
  provider: string;
  model: string;
  researchType: ResearchType;
  /** 0–1. */
  compositeScore: number;
  /** Per-dimension scores 0–1, e.g. `{ relevance: 0.9 }`. */
  dimensionScores: Record<string, number>;
  source: QualitySource;
  /** Epoch ms; the storage clock when absent. */
  timestamp?: number;
}

export interface QualityMetricRecord {
  id: string;
  resultId: string | null;
  provider: string;
  model: string;
  researchType: ResearchType;
  compositeScore: number;
  dimensionScores: Record<string, number>;
  source: QualitySource;
  /** Epoch ms. */
  timestamp: number;
}

export interface QualityAggregate {
  provider: string;
  researchType: ResearchType;
  count: number;
  averageComposite: number;
  minComposite: number;
  maxComposite: number;
}

export interface QualityMetricsRepository {
  /** Throws `not_found` when `resultId` names no stored result. */
  insert(input: QualityMetricInput): Promise<QualityMetricRecord>;
  /** Per provider × research type within `[from, to)` (epoch ms), ordered by provider then type. */
  aggregate(window: { from: number; to: number; source?: QualitySource }): Promise<QualityAggregate[]>;
}

const COLUMNS = [
  'id',
  'result_id',
  'provider',
  'model',
  'research_type',
  'composite_score',
  'dimension_scores',
  'source',
  'timestamp',
] as const satisfies ReadonlyArray<keyof QualityMetricsTable>;

export function createQualityMetricsRepository(db: Kysely<DatabaseSchema>, context: StorageContext): QualityMetricsRepository {
  const decode = (row: Selectable<QualityMetricsTable>): QualityMetricRecord => ({
    id: row.id,
    resultId: row.result_id,
    provider: row.provider,
    model: row.model,
    researchType: row.research_type as ResearchType,
    compositeScore: row.composite_score,
    dimensionScores: decodeJson<Record<string, number>>(context.dialect, row.dimension_scores),
    source: row.source as QualitySource,
    timestamp: decodeTime(row.timestamp),
  });

  return {
    async insert(input) {
      const row = await db
        .insertInto('quality_metrics')
        .values({
          id: input.id ?? randomUUID(),
          result_id: input.resultId ?? null,
          provider: input.provider,
          model: input.model,
          research_type: input.researchType,
          composite_score: input.compositeScore,
          dimension_scores: encodeJson(input.dimensionScores),
          source: input.source,
          timestamp: encodeTime(input.timestamp ?? context.now()),
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow()
        .catch((error: unknown) => rethrowConstraint(error, { foreignKey: `research result ${input.resultId} not found` }));
      return decode(row);
    },

    async aggregate(window) {
      let query = db
        .selectFrom('quality_metrics')
        .select((eb) => [
          'provider',
          'research_type',
          eb.fn.countAll().as('count'),
          eb.fn.avg('composite_score').as('average'),
          eb.fn.min('composite_score').as('minimum'),
          eb.fn.max('composite_score').as('maximum'),
        ])
        .where('timestamp', '>=', encodeTime(window.from))
        .where('timestamp', '<', encodeTime(window.to));
      if (window.source !== undefined) query = query.where('source', '=', window.source);
      const rows = await query.groupBy(['provider', 'research_type']).orderBy('provider').orderBy('research_type').execute();
      return rows.map((row) => ({
        provider: row.provider,
        researchType: row.research_type as ResearchType,
        count: decodeNumber(row.count),
        averageComposite: decodeNumber(row.average),
        minComposite: decodeNumber(row.minimum),
        maxComposite: decodeNumber(row.maximum),
      }));
    },
  };
}
