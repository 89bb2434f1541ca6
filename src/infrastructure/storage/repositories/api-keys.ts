import { createHash, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { decodeJson, decodeOptionalTime, decodeTime, encodeJson, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { ApiKeysTable, DatabaseSchema } from '../database-schema.js';
import { rethrowConstraint } from '../storage-errors.js';

export interface ApiKeyInput {
  /** Unique; recorded as the user of the key's requests. */
  name: string;
  /** The secret given to the user. Only its SHA-256 is stored. */
  rawKey: string;
  scopes?: string[];
  /** Null: the configured default applies. */
  rateLimitPerMinute?: number | null;
  /** Leading characters of the raw key kept to help users recognise it; default 8. */
  prefixLength?: number;
  id?: string;
  createdAt?: number;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the raw key, lower-case hex. */
  keyHash: string;
  /** The raw key's first characters, safe to display. */
  prefix: string;
  scopes: string[];
  rateLimitPerMinute: number | null;
  /** Epoch ms. */
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ApiKeysRepository {
  /** Throws `bad_request` when the name or the key is already registered. */
  create(input: ApiKeyInput): Promise<ApiKeyRecord>;
  /** Includes revoked keys: the caller checks `revokedAt`. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** True when the key was active and is now revoked. */
  revoke(id: string, at?: number): Promise<boolean>;
  /** Records a use (epoch ms, the storage clock when absent). */
  touch(id: string, at?: number): Promise<void>;
}

/** The stored form of a raw API key. */
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey, 'utf8').digest('hex');
}

const COLUMNS = [
  'id',
  'name',
  'key_hash',
  'prefix',
  'scopes',
  'rate_limit_per_minute',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const satisfies ReadonlyArray<keyof ApiKeysTable>;

export function createApiKeysRepository(db: Kysely<DatabaseSchema>, context: StorageContext): ApiKeysRepository {
  const decode = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    prefix: row.prefix,
    scopes: decodeJson<string[]>(context.dialect, row.scopes),
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: decodeTime(row.created_at),
    lastUsedAt: decodeOptionalTime(row.last_used_at),
    revokedAt: decodeOptionalTime(row.revoked_at),
  });

  return {
    async create(input) {
      try {
        const row = await db
          .insertInto('api_keys')
          .values({
            id: input.id ?? randomUUID(),
            name: input.name,
            key_hash: hashApiKey(input.rawKey),
            prefix: input.rawKey.slice(0, input.prefixLength ?? 8),
            scopes: encodeJson(input.scopes ?? []),
            rate_limit_per_minute: input.rateLimitPerMinute ?? null,
            created_at: encodeTime(input.createdAt ?? context.now()),
          })
          .returning(COLUMNS)
          .executeTakeFirstOrThrow();
        return decode(row);
      } catch (error) {
        rethrowConstraint(error, { unique: `an API key named "${input.name}" or with the same secret already exists` });
      }
    },

    async findByHash(keyHash) {
      const row = await db.selectFrom('api_keys').select(COLUMNS).where('key_hash', '=', keyHash).executeTakeFirst();
      return row && decode(row);
    },

    async list() {
      const rows = await db.selectFrom('api_keys').select(COLUMNS).orderBy('created_at').orderBy('name').execute();
      return rows.map(decode);
    },

    async revoke(id, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: encodeTime(at ?? context.now()) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async touch(id, at) {
      await db
        .updateTable('api_keys')
        .set({ last_used_at: encodeTime(at ?? context.now()) })
        .where('id', '=', id)
        .execute();
    },
  };
}
