import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  deserialiseEntry,
  serialiseEntry,
  type SemanticEntry,
  type SemanticEntryStore,
  type SerialisedSemanticEntry,
} from '../cache/semantic/store/semantic-entry-store.js';
import type { RedisAvailability } from './redis-connection.js';

/**
 * Semantic-cache entries in Redis, shared by every replica, with a pub/sub channel so an entry
 * one replica stores becomes findable on the others within a round-trip: each replica keeps its
 * own vector index (built from `list()` at start) and adds what arrives on the channel
 * (`watch`). Messages lost while a subscriber was disconnected are recovered by `resync()`,
 * which runs on every (re)subscription.
 *
 * Layout (T = `<prefix>:semantic`, one hash tag so `list()` can MGET in Redis Cluster):
 * - `{T}:entry:<id>` — the serialised entry, expiring with it;
 * - `{T}:ids` — sorted set id → expiresAt, the listing (swept of expired ids on every put);
 * - channel `{T}:events` — `<origin>\n put\n <entry json>` or `<origin>\n del\n <id>`.
 *
 * Reads are served from a process-local mirror of the entries this replica has seen (its own,
 * listed, or received), so a semantic hit costs no Redis round-trip.
 *
 * While Redis is unreachable (`redis`, the shared connection's circuit, is open, or a command
 * fails) the mirror is the store: puts and deletes apply locally and are queued; when Redis
 * returns the queue is written (entries expired meanwhile are skipped) and `resync` fetches what
 * other replicas stored in the meantime.
 */

export interface RedisSemanticEntryStoreOptions {
  /** Key prefix (default `fortitude`). */
  keyPrefix?: string;
  /** This process's id on the channel, so it ignores its own messages (default a UUID). */
  origin?: string;
  /** Epoch ms (default `Date.now`); sizes key expiry and filters the listing. */
  now?: () => number;
}

export interface RedisSemanticEntryStoreDeps {
  /** Commands. Owned by the caller. */
  client: Redis | Cluster;
  /**
   * A dedicated connection for SUBSCRIBE (a subscribed connection can run nothing else), made
   * with `client.duplicate()`. Owned by the store: `close()` quits it. Without it, `watch` throws.
   */
  subscriber?: Redis | Cluster;
  onError?(error: unknown): void;
  /** The shared connection's circuit: while it is open, the local mirror answers and writes queue. */
  redis?: RedisAvailability;
}

/** Told about entries other replicas put or deleted. */
export interface SemanticEntryListener<V> {
  onPut(entry: SemanticEntry<V>): void;
  onDelete(id: string): void;
}

const PUT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
redis.call('PUBLISH', KEYS[3], ARGV[6])
return 1
`;

const DELETE = `
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if removed > 0 then redis.call('PUBLISH', KEYS[3], ARGV[2]) end
return removed
`;

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

const COMMANDS = { put: 'fortitudeSemanticPut', delete: 'fortitudeSemanticDelete' } as const;
const MGET_CHUNK = 500;

export class RedisSemanticEntryStore<V> implements SemanticEntryStore<V> {
  readonly #client: Redis | Cluster;
  readonly #subscriber: Redis | Cluster | undefined;
  readonly #tag: string;
  readonly #origin: string;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #mirror = new Map<string, SemanticEntry<V>>();
  readonly #redis: RedisAvailability | undefined;
  /** Writes made while Redis was unreachable: an entry to put, or an id to delete. */
  readonly #pending = new Map<string, SemanticEntry<V> | 'delete'>();
  readonly #unsubscribe: () => void;
  #listener: SemanticEntryListener<V> | undefined;
  #received = 0;
  #additions = 0;

  constructor(options: RedisSemanticEntryStoreOptions, deps: RedisSemanticEntryStoreDeps) {
    this.#client = deps.client;
    this.#subscriber = deps.subscriber;
    this.#tag = `{${options.keyPrefix ?? 'fortitude'}:semantic}`;
    this.#origin = options.origin ?? randomUUID();
    this.#now = options.now ?? Date.now;
    this.#onError = deps.onError ?? (() => undefined);
    this.#redis = deps.redis;
    // Back from an outage: write what was queued, then fetch what other replicas stored meanwhile.
    this.#unsubscribe =
      deps.redis?.onChange((available) => {
        if (available) void this.flush().then(() => this.resync()).catch(this.#onError);
      }) ?? (() => undefined);
    deps.client.defineCommand(COMMANDS.put, { numberOfKeys: 3, lua: PUT });
    deps.client.defineCommand(COMMANDS.delete, { numberOfKeys: 3, lua: DELETE });
  }

  get #ids(): string {
    return `${this.#tag}:ids`;
  }

  get #channel(): string {
    return `${this.#tag}:events`;
  }

  #entryKey(id: string): string {
    return `${this.#tag}:entry:${id}`;
  }

  async get(id: string): Promise<SemanticEntry<V> | undefined> {
    const local = this.#mirror.get(id);
    if (local) return local;
    if (!(await this.#usable())) return undefined;
    let text: string | null;
    try {
      text = await this.#client.get(this.#entryKey(id));
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
    if (text === null) return undefined;
    const entry = deserialiseEntry(JSON.parse(text) as SerialisedSemanticEntry<V>);
    this.#remember(entry);
    return entry;
  }

  async put(entry: SemanticEntry<V>): Promise<void> {
    this.#remember(entry);
    this.#pending.delete(entry.id);
    if (!(await this.#usable())) {
      this.#pending.set(entry.id, entry);
      return;
    }
    try {
      await this.#write(entry);
    } catch (error) {
      if (!this.#redis) throw error;
      this.#failed(error);
      this.#pending.set(entry.id, entry);
    }
  }

  async delete(id: string): Promise<boolean> {
    const hadLocal = this.#mirror.delete(id);
    this.#pending.delete(id);
    if (!(await this.#usable())) {
      this.#pending.set(id, 'delete');
      return hadLocal;
    }
    try {
      return (await this.#erase(id)) || hadLocal;
    } catch (error) {
      if (!this.#redis) throw error;
      this.#failed(error);
      this.#pending.set(id, 'delete');
      return hadLocal;
    }
  }

  /** Writes to Redis what was put or deleted while it was unreachable; what fails stays queued. */
  async flush(): Promise<number> {
    let written = 0;
    for (const [id, change] of [...this.#pending]) {
      if (this.#redis && !this.#redis.available) break;
      try {
        if (change === 'delete') await this.#erase(id);
        else if (change.expiresAt > this.#now()) await this.#write(change);
      } catch (error) {
        this.#failed(error);
        break;
      }
      this.#pending.delete(id);
      written++;
    }
    return written;
  }

  /** Writes queued while Redis was unreachable. */
  pendingWrites(): number {
    return this.#pending.size;
  }

  async #write(entry: SemanticEntry<V>): Promise<void> {
    const json = JSON.stringify(serialiseEntry(entry));
    const now = this.#now();
    const ttlMs = Math.max(1, Math.ceil(entry.expiresAt - now));
    await this.#call(COMMANDS.put)(this.#entryKey(entry.id), this.#ids, this.#channel, entry.id, json, ttlMs, entry.expiresAt, now, `${this.#origin}\nput\n${json}`);
  }

  async #erase(id: string): Promise<boolean> {
    return Number(await this.#call(COMMANDS.delete)(this.#entryKey(id), this.#ids, this.#channel, id, `${this.#origin}\ndel\n${id}`)) > 0;
  }

  async #usable(): Promise<boolean> {
    return !this.#redis || this.#redis.available || (await this.#redis.admit());
  }

  #failed(error: unknown): void {
    if (this.#redis) this.#redis.failed(error);
    else this.#onError(error);
  }

  /**
   * Every live entry in Redis (fills the local mirror). Used to build the index at start: when
   * Redis is unreachable then, the replica starts with an empty view (reported to `onError`)
   * and `watch` catches up once Redis is back, rather than refusing to start.
   */
  async list(): Promise<Array<SemanticEntry<V>>> {
    if (!(await this.#usable())) return [];
    try {
      return await this.#listLive();
    } catch (error) {
      this.#failed(error);
      return [];
    }
  }

  async #listLive(): Promise<Array<SemanticEntry<V>>> {
    const ids = await this.#client.zrangebyscore(this.#ids, `(${this.#now()}`, '+inf');
    const entries: Array<SemanticEntry<V>> = [];
    for (let start = 0; start < ids.length; start += MGET_CHUNK) {
      const chunk = ids.slice(start, start + MGET_CHUNK);
      const texts = await this.#client.mget(...chunk.map((id) => this.#entryKey(id)));
      for (const text of texts) {
        if (text === null) continue;
        const entry = deserialiseEntry(JSON.parse(text) as SerialisedSemanticEntry<V>);
        this.#remember(entry);
        entries.push(entry);
      }
    }
    return entries;
  }

  /**
   * Subscribes to other replicas' puts and deletes; resolves once subscribed and caught up
   * (entries stored between the caller's `list()` and now are delivered too). With Redis down
   * it resolves anyway (the error goes to `onError`) and subscribes when Redis comes back.
   */
  async watch(listener: SemanticEntryListener<V>): Promise<void> {
    const subscriber = this.#subscriber;
    if (!subscriber) throw new Error('RedisSemanticEntryStore.watch needs a subscriber connection');
    this.#listener = listener;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#onMessage(message);
    });
    let attached = false;
    const attach = async () => {
      await subscriber.subscribe(this.#channel);
      attached = true;
      await this.resync();
    };
    // SUBSCRIBE before the connection's ready check would break that check: wait (bounded).
    // (Not when Redis is known to be down: the process starts degraded and attaches on `ready`.)
    if (subscriber.status !== 'ready' && this.#redis?.available !== false) await readyOrTimeout(subscriber, 2_000);
    // After a reconnect ioredis subscribes again by itself; what was published meanwhile is
    // fetched by the resync.
    // (With `redis`, a resync after an outage runs when the command connection is back too.)
    subscriber.on('ready', () => void (attached ? (this.#redis?.available === false ? Promise.resolve() : this.resync()) : attach()).catch(this.#onError));
    if (subscriber.status === 'ready') await attach().catch(this.#onError);
  }

  /** Delivers entries present in Redis but not seen here, and deletions of those gone from Redis. */
  async resync(): Promise<{ added: number; removed: number }> {
    const listener = this.#listener;
    if (!listener) return { added: 0, removed: 0 };
    const known = new Set(this.#mirror.keys());
    const live = await this.#client.zrangebyscore(this.#ids, `(${this.#now()}`, '+inf');
    const liveSet = new Set(live);
    let removed = 0;
    for (const id of known) {
      const entry = this.#mirror.get(id);
      // An entry put here during an outage is not in Redis yet: it is queued, not deleted.
      if (!liveSet.has(id) && !this.#pending.has(id) && entry && entry.expiresAt > this.#now()) {
        this.#mirror.delete(id);
        listener.onDelete(id);
        removed++;
      }
    }
    let added = 0;
    for (const id of live) {
      if (known.has(id) || this.#pending.has(id)) continue;
      const entry = await this.get(id);
      if (entry) {
        listener.onPut(entry);
        added++;
      }
    }
    return { added, removed };
  }

  /** Messages received from other replicas. */
  received(): number {
    return this.#received;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#listener = undefined;
    this.#mirror.clear();
    if (this.#subscriber) await this.#subscriber.quit().catch(() => this.#subscriber?.disconnect());
  }

  #onMessage(message: string): void {
    const first = message.indexOf('\n');
    const second = message.indexOf('\n', first + 1);
    if (first < 0 || second < 0 || message.slice(0, first) === this.#origin) return;
    const op = message.slice(first + 1, second);
    const body = message.slice(second + 1);
    this.#received++;
    try {
      if (op === 'put') {
        const entry = deserialiseEntry(JSON.parse(body) as SerialisedSemanticEntry<V>);
        this.#remember(entry);
        this.#listener?.onPut(entry);
      } else if (op === 'del') {
        this.#mirror.delete(body);
        this.#listener?.onDelete(body);
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Mirrors an entry; every 1,024 additions, drops the expired ones (the cache sweeps its own). */
  #remember(entry: SemanticEntry<V>): void {
    this.#mirror.set(entry.id, entry);
    if (++this.#additions % 1_024 !== 0) return;
    const now = this.#now();
    for (const [id, mirrored] of this.#mirror) if (mirrored.expiresAt <= now) this.#mirror.delete(id);
  }

  #call(name: string): ScriptCall {
    const command = (this.#client as unknown as Record<string, ScriptCall>)[name];
    if (!command) throw new Error(`redis command ${name} is not defined`);
    return command.bind(this.#client);
  }
}

function readyOrTimeout(connection: Redis | Cluster, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      connection.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    connection.once('ready', done);
  });
}
