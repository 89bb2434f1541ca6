import { ProviderError } from '../core/errors.js';
import type { ProviderErrorClass } from '../core/errors.js';
import { redactSecrets } from './redact.js';

/** Finer cause of a transport failure, kept in `ProviderError.details.reason`. */
export type TransportFailureReason =
  | 'refused'
  | 'reset'
  | 'dns'
  | 'unreachable'
  | 'connect_timeout'
  | 'headers_timeout'
  | 'body_timeout'
  | 'total_timeout'
  | 'closed'
  | 'truncated'
  | 'invalid_response';

const CLASS_BY_REASON: Record<TransportFailureReason, ProviderErrorClass> = {
  refused: 'connection',
  reset: 'connection',
  dns: 'connection',
  unreachable: 'connection',
  connect_timeout: 'timeout',
  headers_timeout: 'timeout',
  body_timeout: 'timeout',
  total_timeout: 'timeout',
  closed: 'connection',
  truncated: 'connection',
  invalid_response: 'server',
};

const DESCRIPTION: Record<TransportFailureReason, string> = {
  refused: 'connection refused',
  reset: 'connection reset',
  dns: 'host not found',
  unreachable: 'host unreachable',
  connect_timeout: 'connect timeout',
  headers_timeout: 'read timeout waiting for response headers',
  body_timeout: 'read timeout waiting for response body',
  total_timeout: 'total request timeout',
  closed: 'connection closed',
  truncated: 'response body truncated',
  invalid_response: 'invalid response body',
};

const REASON_BY_CODE: Record<string, TransportFailureReason> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'connect_timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'headers_timeout',
  UND_ERR_BODY_TIMEOUT: 'body_timeout',
  UND_ERR_CLOSED: 'closed',
  UND_ERR_DESTROYED: 'closed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'truncated',
  Z_BUF_ERROR: 'truncated',
  Z_DATA_ERROR: 'invalid_response',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in REASON_BY_CODE) return code;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the codes.
  const members = (error as { errors?: unknown }).errors;
  if (Array.isArray(members)) {
    for (const member of members) {
      const inner = errorCode(member);
      if (inner) return inner;
    }
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause && cause !== error ? errorCode(cause) : typeof code === 'string' ? code : undefined;
}

/** Maps a socket/undici failure to its reason; undefined when it is not a transport failure. */
export function transportFailureReason(error: unknown): TransportFailureReason | undefined {
  const code = errorCode(error);
  return code === undefined ? undefined : REASON_BY_CODE[code];
}

export interface FailureContext {
  provider: string;
  origin: string;
  secrets: readonly (string | undefined)[];
  /** True once part of a stream has been decoded: failures then become `stream_broken`. */
  midStream?: boolean;
}

/**
 * A transport failure as a `ProviderError`. The original error stays as `cause` (undici errors
 * carry no headers, so no key), and the message names only the origin, never the path or query.
 */
export function transportError(reason: TransportFailureReason, context: FailureContext, cause?: unknown): ProviderError {
  const errorClass: ProviderErrorClass = context.midStream ? 'stream_broken' : CLASS_BY_REASON[reason];
  const where = context.midStream ? 'stream broken' : 'request failed';
  return new ProviderError(redactSecrets(`${context.provider}: ${where}: ${DESCRIPTION[reason]} (${context.origin})`, context.secrets), {
    provider: context.provider,
    errorClass,
    cause: cause === undefined ? undefined : sanitizeCause(cause, context.secrets),
    // A stream broken before the caller saw anything may be retried; the retry layer checks that.
    retryable: context.midStream ? true : undefined,
    details: { reason },
  });
}

/** Copies a cause so that no secret can ride along inside its message or stack. */
function sanitizeCause(cause: unknown, secrets: readonly (string | undefined)[]): unknown {
  if (!(cause instanceof Error)) return cause;
  const copy = new Error(redactSecrets(cause.message, secrets));
  copy.name = cause.name;
  copy.stack = redactSecrets(cause.stack ?? '', secrets);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** Re-labels an error thrown by a wire decoder with the configured provider name, redacted. */
export function relabel(error: unknown, context: FailureContext): unknown {
  if (!(error instanceof ProviderError)) return error;
  const message = redactSecrets(error.message, context.secrets);
  if (error.provider === context.provider && message === error.message) return error;
  return new ProviderError(message.startsWith(`${context.provider}:`) ? message : `${context.provider}: ${message}`, {
    provider: context.provider,
    errorClass: error.errorClass,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    retryable: error.retryable,
    details: error.details,
    code: error.code,
  });
}
