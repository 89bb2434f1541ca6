import { FortitudeError } from '../../core/errors.js';

/**
 * Busy database, lost or refused connection, admin shutdown (57P01), starting up (57P03), too many
 * connections (53300), connection exceptions (08xxx), serialization failure, deadlock.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'SQLITE_BUSY', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300', '08000', '08001', '08003', '08006', '40001', '40P01',
]);
/** pg's own connection failures carry no code: a connection cut mid-query, the connect timeout. */
const TRANSIENT_MESSAGE = /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

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
  return new FortitudeError('storage_error', message, { cause, retryable: isTransient(cause) });
}

/** True when the same statement may succeed later: the database was busy or unreachable. */
export function isTransient(error: unknown): boolean {
  return TRANSIENT_CODES.has(driverCode(error)) || (error instanceof Error && TRANSIENT_MESSAGE.test(error.message));
}

/**
 * For `.catch`: a driver error becomes `storage_error` (HTTP 503, retryable when transient) with
 * `message`, which says what was unavailable; coded errors (`bad_request`, `not_found`) pass.
 */
export function asStorageError(message: string): (error: unknown) => never {
  return (error) => {
    throw error instanceof FortitudeError ? error : storageError(message, error);
  };
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
