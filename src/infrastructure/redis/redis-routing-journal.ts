import { randomUUID } from 'node:crypto';
import { PendingObservations, type LearnedObservation, type LearnedStateExchange } from '../routing/learned-state.js';
import type { RedisClient } from './redis-connection.js';

export interface RedisRoutingJournalOptions {
  /** `redis.key_prefix` without its trailing colon. */
  keyPrefix: string;
  /** Calls older than this are no longer replayed or kept: the router's `performance_window`, ms. */
  retainCallsMs: number;
  /** Newest quality observations kept (default 20 000). */
  retainQualityRows?: number;
  /** Newest call observations kept whatever their age (default 100 000), bounding a restart's replay. */
  retainCallRows?: number;
  /** How often local observations are written and the others' read (default 1 s). */
  flushIntervalMs?: number;
}

type Entry = [id: string, fields: string[]];

const PAGE = 1_000;
const PRUNE_EVERY_FLUSHES = 60;

/** Redis stream ids (`<ms>-<seq>`) in order. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

/**
 * Learned routing shared by every process of every replica through Redis (the deployment's
 * `learning_data` journal when `REDIS_URL` is set; without Redis, `machine-state/routing-journal.ts`
 * does the same for one machine). Two streams under `{<prefix>:routing}`: calls (kept for the
 * performance window, at most about `retainCallRows`) and quality scores (about the newest
 * `retainQualityRows`). Each process appends what its router observed once a second, off the
 * request path, as one entry per stream holding that second's observations,
 * and applies what the others appended since its last read; on start it replays what is still
 * kept, so a restarted server keeps what was learned. Unlike the SQLite journal the replay is
 * asynchronous: the first requests after a start may route before it has finished (milliseconds).
 * While Redis is unreachable observations wait in memory (at most 10 000, oldest dropped).
 */
export class RedisRoutingJournal implements LearnedStateExchange {
  readonly #client: RedisClient;
  readonly #options: Required<RedisRoutingJournalOptions>;
  readonly #origin = randomUUID();
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #keys: { call: string; quality: string };
  #cursors = { call: '0-0', quality: '0-0' };
  readonly #pending = new PendingObservations();
  #apply: ((observation: LearnedObservation) => void) | undefined;
  #ready: Promise<void> = Promise.resolve();
  #replayed = false;
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushes = 0;
  #closed = false;

  readonly #available: () => boolean;

  constructor(
    client: RedisClient,
    options: RedisRoutingJournalOptions,
    /** `available`: the connection's circuit (redis-connection.ts); while it is open nothing is sent. */
    deps: { now?: () => number; onError?: (error: unknown) => void; available?: () => boolean } = {},
  ) {
    this.#available = deps.available ?? (() => true);
    this.#client = client;
    this.#options = { retainQualityRows: 20_000, retainCallRows: 100_000, flushIntervalMs: 1_000, ...options };
    this.#now = deps.now ?? Date.now;
    this.#onError = deps.onError ?? (() => undefined);
    const tag = `{${options.keyPrefix}:routing}`;
    this.#keys = { call: `${tag}:calls`, quality: `${tag}:quality` };
  }

  publish(observation: LearnedObservation): void {
    if (!this.#closed) this.#pending.push(observation);
  }

  subscribe(apply: (observation: LearnedObservation) => void): void {
    this.#apply = apply;
    this.#ready = this.#replay();
    this.#timer = setInterval(() => void this.flush(), this.#options.flushIntervalMs).unref();
  }

  /** Resolves when the stored observations have been replayed (tests, diagnostics). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #replay(): Promise<void> {
    try {
      const since = this.#now() - this.#options.retainCallsMs;
      const calls = await this.#read('call', String(Math.max(0, since)));
      const quality = await this.#read('quality', '-');
      for (const entry of [...quality, ...calls].sort((a, b) => compareIds(a[0], b[0]))) this.#deliver(entry, true);
      this.#replayed = true;
    } catch (error) {
      this.#onError(error);
      // Not replayed: the next flush starts from the newest entries rather than never reading.
      this.#replayed = true;
    }
  }

  /** Every entry of one stream after `start` (inclusive for the replay, exclusive later), in pages. */
  async #read(kind: 'call' | 'quality', start: string): Promise<Entry[]> {
    const entries: Entry[] = [];
    let from = start;
    for (;;) {
      const page = (await this.#client.xrange(this.#keys[kind], from, '+', 'COUNT', PAGE)) as Entry[];
      entries.push(...page);
      const last = page.at(-1);
      if (last) this.#cursors[kind] = last[0];
      if (page.length < PAGE || !last) return entries;
      from = `(${last[0]}`;
    }
  }

  #deliver([, fields]: Entry, replay: boolean): void {
    const origin = fields[fields.indexOf('o') + 1];
    const body = fields[fields.indexOf('b') + 1];
    if (body === undefined || (!replay && origin === this.#origin)) return;
    try {
      // A flush's batch (an array); entries written one observation each are still read.
      const parsed = JSON.parse(body) as LearnedObservation | LearnedObservation[];
      for (const observation of Array.isArray(parsed) ? parsed : [parsed]) this.#apply?.(observation);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Writes the pending observations and applies the other processes' new ones. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    await this.#ready;
    if (!this.#available()) return; // observations wait in #pending (bounded) until Redis is back
    const batch = this.#pending.take();
    try {
      if (batch.length > 0) {
        // One entry per stream and flush, its body the flush's observations of that kind: one
        // command per second per process, not one per provider call.
        const pipeline = this.#client.pipeline();
        for (const kind of ['call', 'quality'] as const) {
          const observations = batch.filter((observation) => observation.kind === kind);
          if (observations.length === 0) continue;
          // The caps count observations; an entry holds this many, so keep about that many entries.
          const rows = kind === 'call' ? this.#options.retainCallRows : this.#options.retainQualityRows;
          const cap = Math.max(1, Math.floor(rows / observations.length));
          pipeline.xadd(this.#keys[kind], 'MAXLEN', '~', cap, '*', 'o', this.#origin, 'b', JSON.stringify(observations));
        }
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) throw failed[0];
      }
    } catch (error) {
      this.#pending.putBack(batch);
      this.#onError(error);
      return;
    }
    if (!this.#replayed || this.#closed) return;
    try {
      const fresh = [...(await this.#read('call', `(${this.#cursors.call}`)), ...(await this.#read('quality', `(${this.#cursors.quality}`))];
      for (const entry of fresh.sort((a, b) => compareIds(a[0], b[0]))) this.#deliver(entry, false);
      if (++this.#flushes % PRUNE_EVERY_FLUSHES === 0) await this.#client.xtrim(this.#keys.call, 'MINID', '~', String(Math.max(0, this.#now() - this.#options.retainCallsMs)));
    } catch (error) {
      this.#onError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer) clearInterval(this.#timer);
    // The last observations are written before the connection closes (a hung Redis gets 2 s).
    await Promise.race([this.flush(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    this.#closed = true;
  }
}
