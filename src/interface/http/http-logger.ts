/**
 * The slice of a pino logger the HTTP interface uses; `FortitudeLogger.for('root')` satisfies it.
 */
export interface HttpLogger {
  isLevelEnabled(level: string): boolean;
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const SILENT_LOGGER: HttpLogger = {
  isLevelEnabled: () => false,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
