import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isFortitudeError, type ErrorCode } from '../../core/errors.js';

/**
 * Tool results. Failures a caller can act on are tool results with `isError: true` — the model
 * sees them and can correct itself — never protocol errors or stack traces.
 */

/** What to do next, per error code; the compiler keeps it complete. */
export const NEXT_STEP = {
  config_invalid: 'Fortitude is misconfigured; the operator must fix its configuration.',
  bad_request: 'Fix the arguments and call again.',
  not_found: 'Check the id; search_library lists stored results and their ids.',
  model_not_found: 'Use a model that GET /v1/models lists, or auto.',
  unauthorized: 'The MCP connection needs a valid Fortitude API key.',
  forbidden: "The API key in use lacks the scope this tool needs; ask for a key with the 'research' scope.",
  rate_limited: 'Too many calls; wait a little and retry.',
  budget_exceeded: 'The spending budget is exhausted; retrying will not help until it resets or is raised.',
  provider_error: 'The provider failed; retry, or name another provider (see provider_status).',
  provider_unavailable: 'No provider can answer right now; retry later or check provider_status.',
  timeout: 'The call timed out; retry, perhaps with a narrower question.',
  not_implemented: 'This Fortitude build does not support that yet.',
  storage_error: 'The reference library is unavailable; retry later.',
  internal: 'An unexpected error; it was logged for the operator.',
} as const satisfies Record<ErrorCode, string>;

export interface ToolErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Argument names at fault, for `bad_request`. */
  fields?: string[];
}

export function textResult(text: string, structuredContent?: Record<string, unknown>): CallToolResult {
  return structuredContent === undefined ? { content: [{ type: 'text', text }] } : { content: [{ type: 'text', text }], structuredContent };
}

export function toolError(info: ToolErrorInfo): CallToolResult {
  const text = `${info.message}\n${NEXT_STEP[info.code]}`;
  return {
    content: [{ type: 'text', text }],
    structuredContent: { error: { ...info } },
    isError: true,
  };
}

/**
 * A thrown value as a tool error. FortitudeError messages are user-safe by contract; anything
 * else is reported as `internal` without its message (which may hold paths, SQL or secrets).
 * Returns `unexpected: true` so the caller logs it.
 */
export function toolErrorFromThrown(error: unknown, toolName: string): { result: CallToolResult; unexpected: boolean } {
  if (isFortitudeError(error)) {
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    const info: ToolErrorInfo = { code: error.code, message: error.message, retryable: error.retryable };
    if (field !== undefined) info.fields = [field];
    return { result: toolError(info), unexpected: error.code === 'internal' || error.code === 'config_invalid' };
  }
  return {
    result: toolError({ code: 'internal', message: `The ${toolName} tool failed unexpectedly.`, retryable: false }),
    unexpected: true,
  };
}
