import { anthropicErrorBody } from './anthropic/messages-response.js';
import { describeError, OPENAI_ERROR_TYPE, type DescribedHttpError } from './error-status.js';
import { sendJson, type Exchange, type RouteFamily } from './exchange.js';
import type { HttpLogger } from './http-logger.js';

/**
 * Renders an error in the route family's shape:
 * `/api`: `{ error: { code, message, field?, requestId } }`;
 * `/v1`: OpenAI's `{ error: { message, type, param, code } }`, which OpenAI SDKs parse;
 * `/v1/messages`: Anthropic's `{ type: 'error', error: { type, message } }`.
 */
export function renderError(family: RouteFamily, described: DescribedHttpError, requestId: string): string {
  if (family === 'anthropic') return anthropicErrorBody(described.code, described.message, requestId);
  if (family === 'openai') {
    return JSON.stringify({
      error: {
        message: described.message,
        type: OPENAI_ERROR_TYPE[described.code],
        param: described.field ?? null,
        code: described.code,
      },
    });
  }
  return JSON.stringify({
    error: {
      code: described.code,
      message: described.message,
      ...(described.field === undefined ? {} : { field: described.field }),
      requestId,
    },
  });
}

/**
 * Answers with the error when the response has not started; otherwise the connection is cut
 * (streams render their own in-band error event before calling this).
 */
export function sendError(exchange: Exchange, error: unknown, logger: HttpLogger): void {
  const described = describeError(error);
  // A client that went away (closed the connection, timed out) had its request's work aborted on
  // purpose: not a server error. http-server.ts logs it at debug and counts it (status 499).
  if (described.unexpected && !exchange.aborted) {
    logger.error({ err: error, requestId: exchange.requestId, path: exchange.path }, 'request failed');
  }
  const response = exchange.response;
  if (response.headersSent) {
    if (!response.writableEnded) response.destroy();
    return;
  }
  if (response.destroyed) return;
  if (described.headers !== undefined) Object.assign(exchange.headers, described.headers);
  if (described.status === 401) exchange.headers['www-authenticate'] = 'Bearer';
  sendJson(exchange, described.status, renderError(exchange.family, described, exchange.requestId));
}
