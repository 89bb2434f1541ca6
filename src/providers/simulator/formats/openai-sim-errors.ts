import { jsonResponse, type ErrorDetail, type ErrorKind, type SimResponse } from './sim-format.js';

/** OpenAI's error bodies (`{"error":{"message","type","param","code"}}`) and rate-limit headers. */

const MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";

const INVALID_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

function body(message: string, type: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

/** `x-ratelimit-*` as OpenAI sends them; reset values are Go-style durations (`1s`, `6m0s`). */
export function openAiRateLimitHeaders(retryAfterSeconds: number, limit: number): Record<string, string> {
  return {
    'retry-after': String(retryAfterSeconds),
    'retry-after-ms': String(retryAfterSeconds * 1000),
    'x-ratelimit-limit-requests': String(limit),
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
    'x-ratelimit-limit-tokens': String(limit * 400),
    'x-ratelimit-remaining-tokens': '0',
    'x-ratelimit-reset-tokens': `${retryAfterSeconds}s`,
  };
}

export function openAiError(kind: ErrorKind, detail: ErrorDetail): SimResponse {
  switch (kind) {
    case 'missing_key':
      return jsonResponse(401, body(MISSING_KEY, 'invalid_request_error'));
    case 'invalid_key':
      // The real message echoes a masked key; the simulator never echoes keys.
      return jsonResponse(
        401,
        body('Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key'),
      );
    case 'server_error':
      return jsonResponse(500, body('The server had an error while processing your request. Sorry about that!', 'server_error'));
    case 'unavailable':
    case 'overloaded':
      return jsonResponse(503, body('The server is overloaded or not ready yet.', 'server_error'));
    case 'rate_limit': {
      const retryAfter = detail.retryAfterSeconds ?? 1;
      const limit = detail.limit ?? 500;
      const message = `Rate limit reached for ${detail.model ?? 'the model'} in organization org-simulator on requests per min (RPM): Limit ${limit}, Used ${limit}, Requested 1. Please try again in ${retryAfter}s. Visit https://platform.openai.com/account/rate-limits to learn more.`;
      return jsonResponse(429, body(message, 'requests', null, 'rate_limit_exceeded'), openAiRateLimitHeaders(retryAfter, limit));
    }
    case 'model_not_found':
      return jsonResponse(
        404,
        body(`The model \`${detail.model ?? ''}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found'),
      );
    case 'bad_request':
      return jsonResponse(400, body(detail.message ?? 'Invalid request.', 'invalid_request_error', detail.param ?? null, detail.code ?? null));
    case 'unknown_route':
      return jsonResponse(404, body(`Invalid URL (${detail.method ?? 'POST'} ${detail.path ?? '/'})`, 'invalid_request_error'));
    case 'invalid_json':
      return jsonResponse(400, body(INVALID_JSON, 'invalid_request_error'));
    case 'too_large':
      return jsonResponse(413, body('Request too large.', 'invalid_request_error'));
  }
}
