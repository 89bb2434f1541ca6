/**
 * Secret scrubbing for anything that leaves the process as text (logs, errors, metrics labels).
 * Catches the key shapes of the providers Fortitude talks to, bearer tokens and the values of
 * secret-named keys (`api_key: …`, `password=…`), wherever they appear in a string; placeholders
 * (`Bearer <key>`) and sentences about a key (`api_key: environment variable X is not set`) stay.
 */

const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g, // Anthropic
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}/g, // OpenAI
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google / Gemini
  /\bftd_[A-Za-z0-9_-]{16,}/g, // Fortitude's own API keys
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
];

/**
 * `<secret name>: <value>` or `=<value>` (headers, query strings, JSON, config paths such as
 * `providers.openai.api_key: …`). An `Authorization` scheme (`Bearer`, `Basic`) stays and its
 * credentials go; the value itself is the last group, checked by `isSecretValue`.
 */
const SECRET_ASSIGNMENT =
  /((?:api[_-]?key|x-api-key|x-goog-api-key|authorization|password|token)["']?\s*[:=]\s*["']?(?:(?:Bearer|Basic|Token)\s+|(?!(?:Bearer|Basic|Token)\s)))([^\s"',&}]{6,})/gi;

/** A placeholder for a value, not the value: `<key>`, `<your-api-key>`, `${OPENAI_API_KEY}`. */
const PLACEHOLDER = /^(?:<[^<>]*>\W*|\$\{[A-Za-z0-9_]+)$/;
/**
 * Words that begin a sentence about a key rather than its value, as in `api_key: environment
 * variable X is not set` (Fortitude's own messages). A list, not "any plain word": a lowercase
 * password followed by more text must still go.
 */
const PROSE_WORDS = new Set(['environment', 'variable', 'missing', 'required', 'invalid', 'expected', 'must', 'not', 'unset', 'empty', 'should', 'cannot']);

/**
 * Whether the value after a secret name is one: not a placeholder, and not one of `PROSE_WORDS`
 * followed by another word (a sentence about the key; `following`: the two characters after the
 * value). Any other value is treated as a secret, a plain lowercase word too.
 */
function isSecretValue(value: string, following: string): boolean {
  if (PLACEHOLDER.test(value)) return false;
  return !(PROSE_WORDS.has(value.toLowerCase()) && /^[ \t][A-Za-z]/.test(following));
}

export const REDACTED = '[REDACTED]';

export function redactText(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match, prefix: unknown) => (typeof prefix === 'string' && prefix !== match ? `${prefix}${REDACTED}` : REDACTED));
  }
  return result.replace(SECRET_ASSIGNMENT, (match, prefix: string, value: string, offset: number, whole: string) =>
    isSecretValue(value, whole.slice(offset + match.length, offset + match.length + 2)) ? `${prefix}${REDACTED}` : match,
  );
}

const SECRET_FIELD = /^(api_?key|apikey|authorization|x-api-key|x-goog-api-key|password|token|secret|key_hash)$/i;

/** Whether a field of this name holds a secret (its value is never logged or echoed). */
export function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key);
}

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
  for (const [key, child] of Object.entries(value)) result[key] = isSecretField(key) ? REDACTED : redactValue(child, depth + 1, includeStack);
  return result;
}
