import type { Kysely } from 'kysely';
import { decodeNumber, encodeTime } from '../../../infrastructure/storage/codec.js';
import type { DatabaseSchema } from '../../../infrastructure/storage/database-schema.js';

export interface ModelQuality {
  provider: string;
  model: string;
  researchType: string;
  count: number;
  averageComposite: number;
}

/** Mean composite quality per provider × model × research type in `[from, to)` (the repository groups without model). */
export async function modelQuality(db: Kysely<DatabaseSchema>, window: { from: number; to: number }): Promise<ModelQuality[]> {
  const rows = await db
    .selectFrom('quality_metrics')
    .select((eb) => ['provider', 'model', 'research_type', eb.fn.countAll().as('count'), eb.fn.avg('composite_score').as('average')])
    .where('timestamp', '>=', encodeTime(window.from))
    .where('timestamp', '<', encodeTime(window.to))
    .groupBy(['provider', 'model', 'research_type'])
    .orderBy('provider')
    .orderBy('model')
    .orderBy('research_type')
    .execute();
  return rows.map((row) => ({
    provider: row.provider,
    model: row.model,
    researchType: row.research_type,
    count: decodeNumber(row.count),
    averageComposite: decodeNumber(row.average),
  }));
}
