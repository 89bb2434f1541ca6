/**
 * Keeps API keys out of error messages. Providers echo keys back (OpenAI: "Incorrect API key
 * provided: sk-abc…"), and URLs may carry them (`?key=`), so every message the transport builds
 * from provider or socket text passes through here.
 */

/** Shapes of well-known secret keys, replaced even when we do not know the key itself. */
const KEY_SHAPES = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google API keys
  /([?&](?:key|api_key|apikey)=)[^&\s"']+/gi,
  /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
];

export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  for (const shape of KEY_SHAPES) {
    result = result.replace(shape, (match: string, prefix?: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return result;
}
