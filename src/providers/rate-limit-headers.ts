/**
 * Reads the rate-limit hints providers put on responses. Several spellings exist; all are read
 * regardless of provider kind because OpenAI-compatible servers copy whichever they like:
 * - `retry-after` (seconds or an HTTP date, RFC 9110 §10.2.3) and OpenAI's `retry-after-ms`;
 * - OpenAI `x-ratelimit-remaining-{requests,tokens}` / `x-ratelimit-reset-{requests,tokens}`
 *   with Go-style durations such as `6m0s` or `20ms`
 *   (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers);
 * - Anthropic `anthropic-ratelimit-{requests,tokens}-{remaining,reset}` with RFC 3339 resets
 *   (https://docs.anthropic.com/en/api/rate-limits#response-headers).
 */

export interface RateLimitInfo {
  /** Server-requested wait before the next request, in ms. */
  retryAfterMs?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  /** Time until the request budget refills, in ms. */
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

export type HeaderBag = Record<string, string | string[] | undefined>;

/** Every header `parseRateLimitHeaders` reads, lowercase: the transport picks these out of a raw response. */
export const RATE_LIMIT_HEADER_NAMES = [
  'retry-after-ms',
  'retry-after',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-reset',
] as const;

/** Typed so that a header read here but missing from the list above does not compile. */
function header(headers: HeaderBag, name: (typeof RATE_LIMIT_HEADER_NAMES)[number]): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `6m0s` → 360000, `1.5s` → 1500, `20ms` → 20, `2` → 2000 (bare numbers are seconds). */
export function parseResetDuration(text: string, nowMs: number): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let matched = '';
  for (const match of trimmed.matchAll(GO_DURATION_PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0);
    matched += match[0];
  }
  if (matched.length === trimmed.length) return total;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** `retry-after`: delta-seconds or an HTTP date. */
export function parseRetryAfter(text: string, nowMs: number): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function resetOf(text: string | undefined, nowMs: number): number | undefined {
  return text === undefined ? undefined : parseResetDuration(text, nowMs);
}

/** Returns undefined when the response carries no rate-limit hint at all (the common case). */
export function parseRateLimitHeaders(headers: HeaderBag, nowMs: number): RateLimitInfo | undefined {
  const retryAfterMsText = header(headers, 'retry-after-ms');
  const retryAfter = header(headers, 'retry-after');
  let retryAfterMs: number | undefined;
  if (retryAfterMsText !== undefined && count(retryAfterMsText) !== undefined) retryAfterMs = count(retryAfterMsText);
  else if (retryAfter !== undefined) retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  const remainingRequests =
    count(header(headers, 'x-ratelimit-remaining-requests')) ?? count(header(headers, 'anthropic-ratelimit-requests-remaining'));
  const remainingTokens =
    count(header(headers, 'x-ratelimit-remaining-tokens')) ?? count(header(headers, 'anthropic-ratelimit-tokens-remaining'));
  const resetRequestsMs =
    resetOf(header(headers, 'x-ratelimit-reset-requests'), nowMs) ??
    resetOf(header(headers, 'anthropic-ratelimit-requests-reset'), nowMs);
  const resetTokensMs =
    resetOf(header(headers, 'x-ratelimit-reset-tokens'), nowMs) ?? resetOf(header(headers, 'anthropic-ratelimit-tokens-reset'), nowMs);
  // Every response passes here: one without hints (the common case) allocates nothing.
  if (retryAfterMs === undefined && remainingRequests === undefined && remainingTokens === undefined && resetRequestsMs === undefined && resetTokensMs === undefined) {
    return undefined;
  }
  const info: RateLimitInfo = {};
  if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  if (remainingRequests !== undefined) info.remainingRequests = remainingRequests;
  if (remainingTokens !== undefined) info.remainingTokens = remainingTokens;
  if (resetRequestsMs !== undefined) info.resetRequestsMs = resetRequestsMs;
  if (resetTokensMs !== undefined) info.resetTokensMs = resetTokensMs;
  return info;
}

/**
 * How long to wait after a 429: the explicit `retry-after`, else the reset of whichever budget
 * is exhausted, else the shortest reset given.
 */
export function retryDelayFromInfo(info: RateLimitInfo | undefined): number | undefined {
  if (!info) return undefined;
  if (info.retryAfterMs !== undefined) return info.retryAfterMs;
  const exhausted: number[] = [];
  if (info.remainingRequests === 0 && info.resetRequestsMs !== undefined) exhausted.push(info.resetRequestsMs);
  if (info.remainingTokens === 0 && info.resetTokensMs !== undefined) exhausted.push(info.resetTokensMs);
  if (exhausted.length > 0) return Math.max(...exhausted);
  const any = [info.resetRequestsMs, info.resetTokensMs].filter((value): value is number => value !== undefined);
  return any.length > 0 ? Math.min(...any) : undefined;
}
