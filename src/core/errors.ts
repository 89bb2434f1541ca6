/**
 * Every error Fortitude raises on purpose. Each interface maps `ErrorCode` to its own status in
 * one table checked by the compiler (`satisfies Record<ErrorCode, …>`), so a new code cannot ship
 * without an HTTP status and a CLI exit code.
 */

export type ErrorCode =
  | 'config_invalid'
  | 'bad_request'
  | 'not_found'
  /** A model no configured provider serves and no alias maps. */
  | 'model_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'provider_error'
  | 'provider_unavailable'
  | 'timeout'
  | 'not_implemented'
  | 'storage_error'
  | 'internal';

export interface FortitudeErrorOptions {
  cause?: unknown;
  /** Whether repeating the same call later may succeed. */
  retryable?: boolean;
  /** Structured context safe to show a user (never secrets). */
  details?: Record<string, unknown>;
}

export class FortitudeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: FortitudeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FortitudeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** How a provider call failed, normalised across wire formats. */
export type ProviderErrorClass =
  | 'auth' // 401/403
  | 'bad_request' // 400/404/422
  | 'rate_limit' // 429
  | 'server' // 5xx
  | 'timeout' // connect/read/total timeout, 408
  | 'connection' // refused, reset, DNS
  | 'stream_broken' // stream ended before its finish event
  | 'circuit_open' // breaker refused the call locally
  | 'content_filter'
  | 'unknown';

const RETRYABLE: ReadonlySet<ProviderErrorClass> = new Set(['rate_limit', 'server', 'timeout', 'connection']);

export interface ProviderErrorOptions extends FortitudeErrorOptions {
  provider: string;
  errorClass: ProviderErrorClass;
  status?: number;
  /** Server-requested wait before retrying, from `retry-after` / `x-ratelimit-reset-*`. */
  retryAfterMs?: number;
  /** Overrides the derived code, e.g. `rate_limited` when Fortitude's own limiter refused the call. */
  code?: ErrorCode;
}

export class ProviderError extends FortitudeError {
  readonly provider: string;
  readonly errorClass: ProviderErrorClass;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ProviderErrorOptions) {
    super(options.code ?? (options.errorClass === 'circuit_open' ? 'provider_unavailable' : 'provider_error'), message, {
      ...options,
      retryable: options.retryable ?? RETRYABLE.has(options.errorClass),
    });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.errorClass = options.errorClass;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isFortitudeError(value: unknown): value is FortitudeError {
  return value instanceof FortitudeError;
}

/** Classifies an HTTP status from a provider into an error class. */
export function errorClassForStatus(status: number): ProviderErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status >= 500) return 'server';
  if (status >= 400) return 'bad_request';
  return 'unknown';
}
