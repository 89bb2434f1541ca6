import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Caller, Fortitude, Scope } from '../../pipeline/fortitude.js';

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

/**
 * The caller the library answers for: the verified key over HTTP; none under stdio (the local
 * user, like the CLI, sees the whole library).
 */
export function callerOf(authInfo: AuthInfo | undefined): Caller | undefined {
  if (authInfo === undefined) return undefined;
  const scopes = authInfo.scopes.filter((scope): scope is Scope => scope === 'research' || scope === 'gateway' || scope === 'admin');
  return { name: authInfo.clientId, scopes };
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

/**
 * An `McpLogger` writing one line per entry, the message then the object as JSON (`fortitude mcp`
 * hands it `context.err`, stderr). An Error is written as its name, message and code:
 * `JSON.stringify` alone writes `{}` (its fields are not enumerable).
 */
export function createLineMcpLogger(write: (line: string) => void): McpLogger {
  const line = (object: object, message?: string) => write(`${message ?? ''} ${JSON.stringify(object, errorFields)}`);
  return { warn: line, error: line };
}

function errorFields(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { code, cause } = value as Error & { code?: unknown };
  return { type: value.name, message: value.message, ...(code === undefined ? {} : { code }), ...(cause === undefined ? {} : { cause }) };
}
