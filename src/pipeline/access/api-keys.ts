import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { FortitudeError } from '../../core/errors.js';
import { rejectNul } from '../../core/text-input.js';
import { hashApiKey, type ApiKeyRecord, type ApiKeysRepository } from '../../infrastructure/storage/repositories/api-keys.js';
import type { ApiKeyIdentity, ApiKeyView, Fortitude, Scope } from '../fortitude.js';

export interface ApiKeyOptions {
  /** Requests per minute of a key created without its own limit. */
  defaultRateLimitPerMinute: number;
  /** How long a verified key is answered from memory; revocation applies within it. Default 30 s. */
  verifiedTtlMs?: number;
  /**
   * While the database cannot be asked, a key verified (or refused) within this long is answered
   * as it was; any other key gets a retryable `storage_error` (503), never `unauthorized`.
   * Default 15 min.
   */
  outageGraceMs?: number;
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
}

export type ApiKeys = Pick<Fortitude, 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'verifyApiKey'>;

interface Verified {
  identity: ApiKeyIdentity | false;
  /** When the database last confirmed it, epoch ms. */
  at: number;
}

/** How long a client should wait before retrying a key the database could not confirm. */
const RETRY_AFTER_MS = 5_000;

/**
 * API keys: created once and shown once, stored hashed, verified from memory when recently seen.
 * A database outage does not log anyone out: keys seen within `outageGraceMs` keep their answer
 * until the database is back.
 */
/**
 * Names that stand for "no key": `default` is the cache and library namespace of calls without a
 * key and `anonymous` their feedback author, so a key with either name would share their answers.
 */
const RESERVED_NAMES = new Set(['default', 'anonymous']);

export function createApiKeys(repository: ApiKeysRepository, options: ApiKeyOptions): ApiKeys {
  const now = options.now ?? Date.now;
  const freshMs = options.verifiedTtlMs ?? 30_000;
  const graceMs = Math.max(freshMs, options.outageGraceMs ?? 15 * 60_000);
  // The LRU bounds memory; ages are checked against `now` here (the LRU's own clock is coarse).
  const verified = new LRUCache<string, Verified>({ max: 10_000 });
  const view = (record: ApiKeyRecord): ApiKeyView => ({
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    rateLimitPerMinute: record.rateLimitPerMinute ?? options.defaultRateLimitPerMinute,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    revokedAt: record.revokedAt,
  });

  return {
    async createApiKey(input) {
      rejectNul('name', input.name);
      if (RESERVED_NAMES.has(input.name.trim().toLowerCase()))
        throw new FortitudeError('bad_request', `name: "${input.name}" is reserved for calls made without a key (their cache and library); choose another name`, {
          details: { field: 'name' },
        });
      const key = `ftd_${randomBytes(24).toString('base64url')}`;
      const record = await repository.create({
        name: input.name,
        rawKey: key,
        scopes: input.scopes,
        rateLimitPerMinute: input.rateLimitPerMinute ?? options.defaultRateLimitPerMinute,
      });
      return { key, record: view(record) };
    },
    listApiKeys: async () => (await repository.list()).map(view),
    async revokeApiKey(nameOrId) {
      rejectNul('name', nameOrId);
      const record = (await repository.list()).find((key) => (key.name === nameOrId || key.id === nameOrId) && key.revokedAt === null);
      return record ? repository.revoke(record.id) : false;
    },
    async verifyApiKey(raw) {
      const seen = verified.get(raw);
      const age = seen === undefined ? Infinity : now() - seen.at;
      if (seen !== undefined && age < freshMs) return seen.identity || undefined;
      const cached = age < graceMs ? seen : undefined;
      let record: ApiKeyRecord | undefined;
      try {
        record = await repository.findByHash(hashApiKey(raw));
      } catch (error) {
        if (cached !== undefined) return cached.identity || undefined;
        throw new FortitudeError('storage_error', 'cannot verify this API key: the database is unreachable; retry later', {
          cause: error,
          retryable: true,
          details: { retryAfterMs: RETRY_AFTER_MS },
        });
      }
      let identity: ApiKeyIdentity | undefined;
      if (record && record.revokedAt === null) {
        void repository.touch(record.id).catch(() => undefined);
        identity = { name: record.name, scopes: record.scopes.filter(isScope), rateLimitPerMinute: record.rateLimitPerMinute ?? options.defaultRateLimitPerMinute };
      }
      verified.set(raw, { identity: identity ?? false, at: now() });
      return identity;
    },
  };
}

function isScope(value: string): value is Scope {
  return value === 'research' || value === 'gateway' || value === 'admin';
}
