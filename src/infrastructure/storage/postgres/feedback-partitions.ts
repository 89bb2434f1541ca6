import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** Monthly partition name in the seed's form: `user_feedback_y2025m01`. */
export function feedbackPartitionName(year: number, monthIndex: number): string {
  return `user_feedback_y${year}m${String(monthIndex + 1).padStart(2, '0')}`;
}

/** UTC month starts from `epochMs`'s month through `monthsAhead` months later (inclusive). */
export function upcomingMonths(epochMs: number, monthsAhead: number): Array<{ name: string; from: string; to: string }> {
  const start = new Date(epochMs);
  const months = [];
  for (let offset = 0; offset <= monthsAhead; offset++) {
    const from = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + offset, 1));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    months.push({
      name: feedbackPartitionName(from.getUTCFullYear(), from.getUTCMonth()),
      from: from.toISOString(),
      to: to.toISOString(),
    });
  }
  return months;
}

/**
 * Creates the monthly `user_feedback` partitions for the current month and the next
 * `monthsAhead`, skipping those that exist, and returns the names it created. Idempotent and
 * safe to run from several processes at once (a transaction-scoped advisory lock serialises
 * them). Rows already sitting in the default partition for a new month are moved into it:
 * attaching a partition fails while the default partition holds rows in its range.
 * Called by `Storage.migrate()`; a scheduler may call it monthly.
 */
export async function ensureFeedbackPartitions(
  db: Kysely<unknown>,
  monthsAhead: number,
  now: number = Date.now(),
): Promise<string[]> {
  const created: string[] = [];
  for (const month of upcomingMonths(now, monthsAhead)) {
    const wasCreated = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('fortitude.user_feedback_partitions'))`.execute(trx);
      const existing = await sql<{ name: string | null }>`SELECT to_regclass(${month.name})::text AS name`.execute(trx);
      if (existing.rows[0]?.name) return false;
      const table = sql.id(month.name);
      await sql`CREATE TABLE ${table} (LIKE user_feedback INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(trx);
      await sql`WITH moved AS (
          DELETE FROM user_feedback_default
          WHERE timestamp >= ${month.from}::timestamptz AND timestamp < ${month.to}::timestamptz
          RETURNING *)
        INSERT INTO ${table} SELECT * FROM moved`.execute(trx);
      await sql`ALTER TABLE user_feedback ATTACH PARTITION ${table}
        FOR VALUES FROM (${sql.lit(month.from)}) TO (${sql.lit(month.to)})`.execute(trx);
      return true;
    });
    if (wasCreated) created.push(month.name);
  }
  return created;
}
