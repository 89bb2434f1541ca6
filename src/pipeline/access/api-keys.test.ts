import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeysRepository } from '../../infrastructure/storage/repositories/api-keys.js';
import { hashApiKey } from '../../infrastructure/storage/repositories/api-keys.js';
import { createApiKeys } from './api-keys.js';

/** Key records in memory, and a switch that makes every read fail as an unreachable database would. */
function keyStore() {
  const records: ApiKeyRecord[] = [];
  const state = { down: false, reads: 0 };
  const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const repository: ApiKeysRepository = {
    async create(input) {
      const record: ApiKeyRecord = {
        id: `id-${records.length}`,
        name: input.name,
        prefix: input.rawKey.slice(0, 8),
        keyHash: hashApiKey(input.rawKey),
        scopes: input.scopes ?? [],
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
        createdAt: 0,
        lastUsedAt: null,
        revokedAt: null,
      };
      records.push(record);
      return record;
    },
    async findByHash(hash) {
      state.reads++;
      if (state.down) throw unreachable();
      return records.find((record) => record.keyHash === hash);
    },
    async list() {
      return records;
    },
    async revoke(id) {
      const record = records.find((item) => item.id === id);
      if (record) record.revokedAt = 1;
      return record !== undefined;
    },
    async touch() {},
  } as ApiKeysRepository;
  return { repository, state };
}

describe('API key verification during a database outage', () => {
  const SECOND = 1000;

  it('answers keys verified within the grace period from memory, refuses others with a retryable storage_error', async () => {
    const { repository, state } = keyStore();
    let now = 1_000_000;
    const keys = createApiKeys(repository, { defaultRateLimitPerMinute: 60, verifiedTtlMs: 30 * SECOND, outageGraceMs: 600 * SECOND, now: () => now });
    const { key: known } = await keys.createApiKey({ name: 'known', scopes: ['research'] });
    const { key: unseen } = await keys.createApiKey({ name: 'unseen', scopes: ['research'] });
    expect(await keys.verifyApiKey(known)).toMatchObject({ name: 'known' });
    expect(await keys.verifyApiKey('ftd_wrong')).toBeUndefined();

    state.down = true;
    now += 60 * SECOND; // past the 30 s cache: the database is asked, and fails
    const readsBefore = state.reads;
    expect(await keys.verifyApiKey(known)).toMatchObject({ name: 'known' });
    expect(state.reads).toBe(readsBefore + 1);
    expect(await keys.verifyApiKey('ftd_wrong')).toBeUndefined(); // known to be wrong: still 401
    await expect(keys.verifyApiKey(unseen)).rejects.toMatchObject({ code: 'storage_error', retryable: true });

    now += 600 * SECOND; // past the grace period: no longer vouched for
    await expect(keys.verifyApiKey(known)).rejects.toMatchObject({ code: 'storage_error', retryable: true });

    state.down = false;
    expect(await keys.verifyApiKey(known)).toMatchObject({ name: 'known' });
    expect(await keys.verifyApiKey(unseen)).toMatchObject({ name: 'unseen' });
  });

  it('a revocation seen before the outage still applies during it', async () => {
    const { repository, state } = keyStore();
    let now = 0;
    const keys = createApiKeys(repository, { defaultRateLimitPerMinute: 60, verifiedTtlMs: 30 * SECOND, now: () => now });
    const { key } = await keys.createApiKey({ name: 'leaving', scopes: ['research'] });
    await keys.revokeApiKey('leaving');
    expect(await keys.verifyApiKey(key)).toBeUndefined();
    state.down = true;
    now += 60 * SECOND;
    expect(await keys.verifyApiKey(key)).toBeUndefined();
  });
});
