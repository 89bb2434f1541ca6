/**
 * Engine-neutral encoding of values. Repositories write through `encode*` and read through
 * `decode*`, so a record looks the same whichever engine stored it (see `database-schema.ts`).
 */

export type Dialect = 'sqlite' | 'postgres';

/** What every repository needs besides `db`: which engine, and the clock (epoch ms). */
export interface StorageContext {
  dialect: Dialect;
  now: () => number;
}

let lastEpochMs = Number.NaN;
let lastText = '';

/**
 * Epoch ms → ISO-8601 UTC string; both engines accept it (PG casts to timestamptz). The last one
 * is kept: a batch of request records stamped by the storage clock is mostly one millisecond, and
 * `toISOString` was ~0.6 µs of each record's cost on the serving thread.
 */
export function encodeTime(epochMs: number): string {
  if (epochMs !== lastEpochMs) {
    lastText = new Date(epochMs).toISOString();
    lastEpochMs = epochMs;
  }
  return lastText;
}

/** A stored timestamp (SQLite ISO string, `pg` Date) → epoch ms. */
export function decodeTime(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

export function decodeOptionalTime(value: Date | string | null): number | null {
  return value === null ? null : decodeTime(value);
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

export function encodeOptionalJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** SQLite returns JSON columns as TEXT; `pg` has already parsed `jsonb`. */
export function decodeJson<T>(dialect: Dialect, value: unknown): T {
  return (dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function decodeOptionalJson<T>(dialect: Dialect, value: unknown): T | null {
  return value === null || value === undefined ? null : decodeJson<T>(dialect, value);
}

/** better-sqlite3 cannot bind booleans; PostgreSQL columns are real `boolean`s. */
export function encodeFlag(dialect: Dialect, value: boolean): number | boolean {
  return dialect === 'sqlite' ? (value ? 1 : 0) : value;
}

export function decodeFlag(value: number | boolean): boolean {
  return value === true || value === 1;
}

/** Aggregates come back as strings from `pg` (`bigint`, `numeric`) and may be NULL on empty sets. */
export function decodeNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}
