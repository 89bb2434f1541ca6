import { FortitudeError, ProviderError, type ErrorCode } from '../../core/errors.js';

/** Codes only the HTTP layer raises (protocol problems before any service is involved). */
export type HttpOnlyCode = 'invalid_json' | 'payload_too_large' | 'unsupported_media_type' | 'method_not_allowed';
export type HttpErrorCode = ErrorCode | HttpOnlyCode;

/** The one table from error code to HTTP status; the compiler keeps it complete. */
export const HTTP_STATUS = {
  config_invalid: 500,
  bad_request: 400,
  not_found: 404,
  model_not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  // Not 429: SDKs retry 429, and an exhausted budget does not come back in seconds.
  budget_exceeded: 402,
  provider_error: 502,
  provider_unavailable: 503,
  timeout: 504,
  not_implemented: 501,
  storage_error: 503,
  internal: 500,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
} as const satisfies Record<HttpErrorCode, number>;

/**
 * OpenAI's `error.type` for each code, so OpenAI clients classify our errors as they would
 * OpenAI's (https://platform.openai.com/docs/guides/error-codes).
 */
export const OPENAI_ERROR_TYPE = {
  config_invalid: 'server_error',
  bad_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  model_not_found: 'invalid_request_error',
  unauthorized: 'invalid_request_error',
  forbidden: 'permission_error',
  rate_limited: 'rate_limit_error',
  budget_exceeded: 'insufficient_quota',
  provider_error: 'server_error',
  provider_unavailable: 'server_error',
  timeout: 'server_error',
  not_implemented: 'invalid_request_error',
  storage_error: 'server_error',
  internal: 'server_error',
  invalid_json: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
} as const satisfies Record<HttpErrorCode, string>;

/** A protocol-level failure raised by the HTTP layer itself. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly field: string | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: HttpErrorCode, message: string, options: { field?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.field = options.field;
    this.headers = options.headers;
  }
}

/** Everything needed to render an error in either shape. */
export interface DescribedHttpError {
  status: number;
  code: HttpErrorCode;
  message: string;
  field?: string;
  headers?: Record<string, string>;
  /** True for failures the client did not cause (logged at error level). */
  unexpected: boolean;
}

const INTERNAL: DescribedHttpError = { status: 500, code: 'internal', message: 'internal error', unexpected: true };

/** Maps any thrown value to a status, code and safe message. Unknown errors never leak details. */
export function describeError(error: unknown): DescribedHttpError {
  if (error instanceof HttpError) {
    return {
      status: HTTP_STATUS[error.code],
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(error.headers === undefined ? {} : { headers: error.headers }),
      unexpected: false,
    };
  }
  if (error instanceof ProviderError) return describeProviderError(error);
  if (error instanceof FortitudeError) {
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    const status = HTTP_STATUS[error.code];
    const retryAfterMs = typeof error.details?.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
    return {
      status,
      code: error.code,
      message: error.message,
      ...(field === undefined ? {} : { field }),
      ...(retryAfterMs === undefined ? {} : { headers: retryAfterHeader(retryAfterMs) }),
      unexpected: status >= 500 && error.code !== 'provider_unavailable' && error.code !== 'storage_error',
    };
  }
  return INTERNAL;
}

/**
 * Upstream problems the caller caused (a bad request the provider refused, content filtered) are
 * the caller's 400; the upstream's own limits pass through as 429 with its wait; everything else
 * is the gateway's 502/503/504.
 */
function describeProviderError(error: ProviderError): DescribedHttpError {
  const retryHeaders = error.retryAfterMs === undefined ? undefined : retryAfterHeader(error.retryAfterMs);
  let code: HttpErrorCode = error.code;
  if (error.errorClass === 'bad_request' || error.errorClass === 'content_filter') code = 'bad_request';
  else if (error.errorClass === 'rate_limit' && error.code === 'provider_error') code = 'rate_limited';
  else if (error.errorClass === 'timeout' && error.code === 'provider_error') code = 'timeout';
  return {
    status: HTTP_STATUS[code],
    code,
    message: error.message,
    ...(retryHeaders === undefined ? {} : { headers: retryHeaders }),
    unexpected: false,
  };
}

function retryAfterHeader(milliseconds: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(milliseconds / 1000))) };
}
