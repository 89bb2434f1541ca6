import type { Fortitude } from '../../pipeline/fortitude.js';

/**
 * The part of the Fortitude facade the MCP interface uses; tests use an in-memory double.
 * Methods throw `FortitudeError` (core/errors.ts) for expected failures; the MCP server turns
 * them into tool errors (`isError: true`). Anything else becomes a generic internal tool error
 * and is logged, never shown.
 */
export type McpServices = Pick<
  Fortitude,
  'research' | 'classify' | 'getResult' | 'searchResults' | 'listResults' | 'submitFeedback' | 'providerStatus' | 'cacheStats'
>;

/** Who is calling over HTTP, as decided by `McpHttpOptions.authenticate`. */
export interface McpCaller {
  /** Key or user name; recorded with research and feedback. */
  user: string;
  scopes?: readonly string[];
}

/** The slice of a pino logger the MCP interface uses. Must write to stderr under stdio. */
export interface McpLogger {
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const SILENT_MCP_LOGGER: McpLogger = {
  warn: () => undefined,
  error: () => undefined,
};
