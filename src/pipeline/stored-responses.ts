import type { ChatMessage } from '../core/chat.js';
import type { StoredResponsesRepository } from '../infrastructure/storage/repositories/stored-responses.js';

/**
 * Responses API objects kept for `previous_response_id`, `GET` and `DELETE /v1/responses/{id}`
 * (OpenAI stores responses unless `store: false`). Each belongs to the API key that created it:
 * another key (or no key) gets "not found", exactly as if it did not exist. Kept in the database,
 * so a continuation works on any worker and after a restart, for `retentionMs`.
 */
export interface StoredResponse {
  id: string;
  /** Epoch ms. */
  createdAt: number;
  /** The API object as it was returned. */
  response: Record<string, unknown>;
  /** The conversation through this response's output, without its instructions (a continuation sends its own). */
  conversation: ChatMessage[];
}

export interface StoredResponses {
  /** `owner`: the API key name; undefined when auth is off. */
  save(owner: string | undefined, entry: Omit<StoredResponse, 'createdAt'>): Promise<void>;
  /** Undefined when unknown, expired or created by another owner. */
  get(owner: string | undefined, id: string): Promise<StoredResponse | undefined>;
  /** True when it existed for this owner. */
  delete(owner: string | undefined, id: string): Promise<boolean>;
}

export interface StoredResponsesOptions {
  /** How long a stored response can be read or continued. */
  retentionMs: number;
  /** Expired rows are deleted at most this often, on a save (default 1 h). */
  purgeIntervalMs?: number;
}

export interface StoredResponsesDeps {
  now?: () => number;
  /** A failed purge of expired rows (the save itself succeeded). */
  onPurgeError?: (error: unknown) => void;
}

/** With auth off every caller is the same owner. */
const ANONYMOUS = '';

export function createStoredResponses(repository: StoredResponsesRepository, options: StoredResponsesOptions, deps: StoredResponsesDeps = {}): StoredResponses {
  const now = deps.now ?? Date.now;
  const purgeIntervalMs = options.purgeIntervalMs ?? 3_600_000;
  let lastPurge = 0;
  return {
    async save(owner, entry) {
      const createdAt = now();
      await repository.insert({ id: entry.id, owner: owner ?? ANONYMOUS, createdAt, expiresAt: createdAt + options.retentionMs, response: entry.response, conversation: entry.conversation });
      if (createdAt - lastPurge >= purgeIntervalMs) {
        lastPurge = createdAt;
        repository.deleteExpired(createdAt).catch((error: unknown) => deps.onPurgeError?.(error));
      }
    },
    async get(owner, id) {
      const record = await repository.find(id, owner ?? ANONYMOUS, now());
      if (record === undefined) return undefined;
      return { id: record.id, createdAt: record.createdAt, response: record.response as Record<string, unknown>, conversation: record.conversation as ChatMessage[] };
    },
    delete: (owner, id) => repository.delete(id, owner ?? ANONYMOUS),
  };
}
