import type { Kysely } from 'kysely';
import { withoutNul } from '../../../core/text-input.js';
import { decodeJson, decodeTime, encodeTime } from '../codec.js';
import type { StorageContext } from '../codec.js';
import type { DatabaseSchema } from '../database-schema.js';
import { rethrowConstraint } from '../storage-errors.js';

export interface StoredResponseInput {
  id: string;
  /** API key name that created it; '' when auth is off. Reads and deletes must name the same owner. */
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms after which the row is never returned. */
  expiresAt: number;
  /** The API object as it was returned (JSON-serialisable). */
  response: unknown;
  /** What a continuation needs to rebuild the conversation (JSON-serialisable). */
  conversation: unknown;
}

export interface StoredResponseRecord {
  id: string;
  createdAt: number;
  expiresAt: number;
  response: unknown;
  conversation: unknown;
}

export interface StoredResponsesRepository {
  /** Throws `bad_request` when the id exists. */
  insert(input: StoredResponseInput): Promise<void>;
  /** Undefined when absent, expired at `now`, or created by another owner. */
  find(id: string, owner: string, now?: number): Promise<StoredResponseRecord | undefined>;
  /** True when a live row of this owner was deleted. */
  delete(id: string, owner: string): Promise<boolean>;
  /** Deletes rows expired at `now`; returns how many. */
  deleteExpired(now?: number): Promise<number>;
}

/**
 * JSON whose strings hold no NUL character: PostgreSQL's `jsonb` refuses `\u0000`, and a gateway
 * conversation (client text, a provider's answer) may contain one. It is stored as U+FFFD on both
 * engines, so a stored response reads back the same on either.
 */
function encodeStorableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? withoutNul(item) : item));
}

export function createStoredResponsesRepository(db: Kysely<DatabaseSchema>, context: StorageContext): StoredResponsesRepository {
  return {
    async insert(input) {
      try {
        await db
          .insertInto('stored_responses')
          .values({
            id: input.id,
            owner: input.owner,
            created_at: encodeTime(input.createdAt),
            expires_at: encodeTime(input.expiresAt),
            response: encodeStorableJson(input.response),
            conversation: encodeStorableJson(input.conversation),
          })
          .execute();
      } catch (error) {
        rethrowConstraint(error, { unique: `a stored response with id "${input.id}" already exists` });
      }
    },

    async find(id, owner, now) {
      const row = await db
        .selectFrom('stored_responses')
        .select(['id', 'created_at', 'expires_at', 'response', 'conversation'])
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('expires_at', '>', encodeTime(now ?? context.now()))
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        id: row.id,
        createdAt: decodeTime(row.created_at),
        expiresAt: decodeTime(row.expires_at),
        response: decodeJson<unknown>(context.dialect, row.response),
        conversation: decodeJson<unknown>(context.dialect, row.conversation),
      };
    },

    async delete(id, owner) {
      const result = await db
        .deleteFrom('stored_responses')
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('expires_at', '>', encodeTime(context.now()))
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteExpired(now) {
      const result = await db.deleteFrom('stored_responses').where('expires_at', '<=', encodeTime(now ?? context.now())).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
