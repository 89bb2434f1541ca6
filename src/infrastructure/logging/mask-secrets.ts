const SECRET_KEYS = new Set(['api_key', 'apikey', 'password', 'token', 'secret']);

/** A copy of any config-shaped value with secrets replaced, for `config show` and logs. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEYS.has(key.toLowerCase())) return maskKey(value);
    if (key === 'url') return maskUrlPassword(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([childKey, child]) => [childKey, maskSecrets(child, childKey)]));
  }
  return value;
}

/** Shows that a key is set without revealing it. */
export function maskKey(secret: string): string {
  return secret.length === 0 ? '' : `****(${secret.length} chars)`;
}

function maskUrlPassword(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/g, '$1****@');
}

/**
 * The secret values in a config-shaped value (what `maskSecrets` hides: API keys, tokens,
 * passwords, and the password of any URL), for scrubbing them where masking cannot reach, such
 * as heap snapshots.
 */
export function secretValues(value: unknown, key = '', found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (SECRET_KEYS.has(key.toLowerCase())) found.push(value);
    for (const match of value.matchAll(/\/\/[^:/@\s]*:([^@/\s]+)@/g)) {
      found.push(match[1]!);
      try {
        found.push(decodeURIComponent(match[1]!));
      } catch {
        // Not percent-encoded: the raw form is enough.
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) secretValues(item, '', found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [childKey, child] of Object.entries(value)) secretValues(child, childKey, found);
  }
  return found;
}
