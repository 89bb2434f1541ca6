import { jsonResponse, type ErrorDetail, type ErrorKind, type SimResponse } from './sim-format.js';

/** Google API error bodies: `{"error":{"code","message","status","details"?}}`. */

function body(code: number, message: string, status: string, details?: unknown[], headers: Record<string, string> = {}): SimResponse {
  return jsonResponse(code, { error: { code, message, status, ...(details === undefined ? {} : { details }) } }, headers);
}

export function geminiError(kind: ErrorKind, detail: ErrorDetail = {}): SimResponse {
  switch (kind) {
    case 'missing_key':
      // Google answers a keyless call with 403, not 401.
      return body(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        'PERMISSION_DENIED',
      );
    case 'invalid_key':
      return body(400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
    case 'server_error':
      return body(500, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', 'INTERNAL');
    case 'unavailable':
    case 'overloaded':
      return body(503, 'The model is overloaded. Please try again later.', 'UNAVAILABLE');
    case 'rate_limit': {
      const retryAfter = detail.retryAfterSeconds ?? 1;
      // Google puts the wait in RetryInfo; `retry-after` is added so header-driven clients slow down too.
      return body(
        429,
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
        'RESOURCE_EXHAUSTED',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
                quotaValue: String(detail.limit ?? 15),
              },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` },
        ],
        { 'retry-after': String(retryAfter) },
      );
    }
    case 'model_not_found':
      return body(
        404,
        `models/${detail.model ?? ''} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
        'NOT_FOUND',
      );
    case 'bad_request':
      return body(400, detail.message ?? 'Request contains an invalid argument.', 'INVALID_ARGUMENT');
    case 'unknown_route':
      return body(404, `The requested URL ${detail.path ?? '/'} was not found on this server.`, 'NOT_FOUND');
    case 'invalid_json':
      return body(400, 'Invalid JSON payload received. Unexpected token.', 'INVALID_ARGUMENT');
    case 'too_large':
      return body(413, 'Request payload size exceeds the limit.', 'INVALID_ARGUMENT');
  }
}
