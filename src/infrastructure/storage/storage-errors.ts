import { FortitudeError } from '../../core/errors.js';

/** Busy database, lost connection, admin shutdown (57P01), serialization failure, deadlock. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['SQLITE_BUSY', 'ECONNREFUSED', 'ECONNRESET', '57P01', '40001', '40P01']);

function driverCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

/** True for a unique-constraint violation on either engine (SQLite and PostgreSQL codes). */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for a foreign-key violation (a referenced row is missing) on either engine. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Wraps a driver error so callers see one code whatever the engine. */
export function storageError(message: string, cause: unknown): FortitudeError {
  return new FortitudeError('storage_error', message, { cause, retryable: TRANSIENT_CODES.has(driverCode(cause)) });
}

/** Maps constraint violations to caller errors; anything else is rethrown unchanged. */
export function rethrowConstraint(error: unknown, messages: { unique?: string; foreignKey?: string }): never {
  if (messages.unique !== undefined && isUniqueViolation(error)) {
    throw new FortitudeError('bad_request', messages.unique, { cause: error });
  }
  if (messages.foreignKey !== undefined && isForeignKeyViolation(error)) {
    throw new FortitudeError('not_found', messages.foreignKey, { cause: error });
  }
  throw error;
}
