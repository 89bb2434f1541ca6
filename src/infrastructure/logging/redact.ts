/**
 * Secret scrubbing for anything that leaves the process as text (logs, errors, metrics labels).
 * Catches the key shapes of the providers Fortitude talks to and bearer tokens, wherever they
 * appear in a string.
 */

const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g, // Anthropic
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}/g, // OpenAI
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google / Gemini
  /\bftd_[A-Za-z0-9_-]{16,}/g, // Fortitude's own API keys
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:api[_-]?key|x-api-key|x-goog-api-key|authorization|password|token)["']?\s*[:=]\s*["']?)[^\s"',&}]{6,}/gi,
];

export const REDACTED = '[REDACTED]';

export function redactText(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match, prefix: unknown) => (typeof prefix === 'string' && prefix !== match ? `${prefix}${REDACTED}` : REDACTED));
  }
  return result;
}

const SECRET_FIELD = /^(api_?key|apikey|authorization|x-api-key|x-goog-api-key|password|token|secret|key_hash)$/i;

/**
 * Deep copy with secret fields replaced and secret-looking strings scrubbed. Errors become
 * `{ type, message }`, plus their (scrubbed) `stack` when `includeStack` (`logging.include_stacktrace`).
 */
export function redactValue(value: unknown, depth = 0, includeStack = false): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, includeStack));
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), ...(includeStack && value.stack ? { stack: redactText(value.stack) } : {}) };
  }
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) result[key] = SECRET_FIELD.test(key) ? REDACTED : redactValue(child, depth + 1, includeStack);
  return result;
}
