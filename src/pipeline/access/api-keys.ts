import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { rejectNul } from '../../core/text-input.js';
import { hashApiKey, type ApiKeyRecord, type ApiKeysRepository } from '../../infrastructure/storage/repositories/api-keys.js';
import type { ApiKeyIdentity, ApiKeyView, Fortitude, Scope } from '../fortitude.js';

export interface ApiKeyOptions {
  /** Requests per minute of a key created without its own limit. */
  defaultRateLimitPerMinute: number;
  /** How long a verified key is remembered, so auth answers from memory; revocation applies within it. */
  verifiedTtlMs?: number;
}

export type ApiKeys = Pick<Fortitude, 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'verifyApiKey'>;

/** API keys: created once and shown once, stored hashed, verified from memory when recently seen. */
export function createApiKeys(repository: ApiKeysRepository, options: ApiKeyOptions): ApiKeys {
  const verified = new LRUCache<string, ApiKeyIdentity | false>({ max: 10_000, ttl: options.verifiedTtlMs ?? 30_000 });
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
      const cached = verified.get(raw);
      if (cached !== undefined) return cached || undefined;
      const record = await repository.findByHash(hashApiKey(raw));
      let identity: ApiKeyIdentity | undefined;
      if (record && record.revokedAt === null) {
        void repository.touch(record.id).catch(() => undefined);
        identity = { name: record.name, scopes: record.scopes.filter(isScope), rateLimitPerMinute: record.rateLimitPerMinute ?? options.defaultRateLimitPerMinute };
      }
      verified.set(raw, identity ?? false);
      return identity;
    },
  };
}

function isScope(value: string): value is Scope {
  return value === 'research' || value === 'gateway' || value === 'admin';
}
