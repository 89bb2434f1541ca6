import { randomUUID } from 'node:crypto';
import { PendingObservations, type LearnedObservation, type LearnedStateExchange } from '../routing/learned-state.js';
import type { MachineStateDatabase } from './machine-state-db.js';

export interface RoutingJournalOptions {
  /** Calls older than this are no longer replayed or kept: the router's `performance_window`, ms. */
  retainCallsMs: number;
  /** Newest quality observations kept (default 20 000; the estimates' memory is ~50 per provider × type). */
  retainQualityRows?: number;
  /** Newest call rows kept whatever their age (default 100 000; a row holds one flush's calls of one provider and research type), bounding a restart's replay. */
  retainCallRows?: number;
  /** How often local observations are written and the others' read (default 1 s). */
  flushIntervalMs?: number;
}

interface Row {
  seq: number;
  origin: string;
  body: string;
}

const PRUNE_EVERY_FLUSHES = 60;

type CallObservation = Extract<LearnedObservation, { kind: 'call' }>;

/**
 * One flush's calls of one provider and research type, as one row (`kind` `calls`): at 1,000
 * calls a second a row per call cost 5–13 ms of SQLite and JSON per flush on the serving thread.
 * `calls` holds `[at, ok (1/0), latencyMs, costUsd]` per call, oldest first.
 */
interface PackedCalls {
  kind: 'calls';
  provider: string;
  researchType: string;
  calls: [number, 0 | 1, number, number][];
}

/**
 * The observations a stored row holds: a packed row's calls one by one (those at or after
 * `since`: a row is replayed when its newest call is), or the row's one observation.
 */
function observationsOf(body: string, since = Number.NEGATIVE_INFINITY): LearnedObservation[] {
  const parsed = JSON.parse(body) as LearnedObservation | PackedCalls;
  if (parsed.kind !== 'calls') return [parsed];
  const calls: LearnedObservation[] = [];
  for (const [at, ok, latencyMs, costUsd] of parsed.calls) {
    if (at >= since) calls.push({ kind: 'call', provider: parsed.provider, researchType: parsed.researchType, at, ok: ok === 1, latencyMs, costUsd });
  }
  return calls;
}

/**
 * The rows a flush writes, in the order of each row's first observation: quality observations
 * one by one, calls packed per provider and research type.
 */
function rowsOf(batch: readonly LearnedObservation[], now: number): { kind: string; at: number; body: string }[] {
  const rows: ({ kind: string; at: number; body: string } | PackedCalls & { at: number })[] = [];
  const packed = new Map<string, PackedCalls & { at: number }>();
  for (const observation of batch) {
    if (observation.kind !== 'call') {
      rows.push({ kind: observation.kind, at: now, body: JSON.stringify(observation) });
      continue;
    }
    const call: CallObservation = observation;
    const key = `${call.provider}\u0000${call.researchType}`;
    let group = packed.get(key);
    if (group === undefined) {
      group = { kind: 'calls', provider: call.provider, researchType: call.researchType, calls: [], at: call.at };
      packed.set(key, group);
      rows.push(group);
    }
    group.calls.push([call.at, call.ok ? 1 : 0, call.latencyMs, call.costUsd]);
    group.at = Math.max(group.at, call.at);
  }
  return rows.map((row) => {
    if (!('calls' in row)) return row;
    const { at, ...group } = row;
    return { kind: 'calls', at, body: JSON.stringify(group) };
  });
}

/**
 * Learned routing shared by the processes of one machine through the machine-state file: each
 * process appends what its router observed (batched, once a second, off the request path) and
 * applies what the others appended since its last read. On start the router replays the calls
 * still inside the performance window and the newest quality scores, so a restart keeps what
 * was learned. Another process's observations arrive up to one flush interval late.
 */
export class SqliteRoutingJournal implements LearnedStateExchange {
  readonly #database: MachineStateDatabase;
  readonly #options: Required<RoutingJournalOptions>;
  readonly #origin = randomUUID();
  readonly #now: () => number;
  readonly #pending = new PendingObservations();
  #cursor = 0;
  #apply: ((observation: LearnedObservation) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushes = 0;
  #closed = false;
  readonly #onError: (error: unknown) => void;

  constructor(database: MachineStateDatabase, options: RoutingJournalOptions, deps: { now?: () => number; onError?: (error: unknown) => void } = {}) {
    this.#database = database;
    this.#options = { retainQualityRows: 20_000, retainCallRows: 100_000, flushIntervalMs: 1_000, ...options };
    this.#now = deps.now ?? Date.now;
    this.#onError = deps.onError ?? (() => undefined);
  }

  publish(observation: LearnedObservation): void {
    if (!this.#closed) this.#pending.push(observation);
  }

  subscribe(apply: (observation: LearnedObservation) => void): void {
    this.#apply = apply;
    try {
      const since = this.#now() - this.#options.retainCallsMs;
      // One read transaction: the replay and the cursor see the same snapshot, so a row another
      // process appends meanwhile is read by the first flush, not skipped.
      const { rows, cursor } = this.#database.transaction(() => ({
        rows: this.#database.prepare<[number], Row>("SELECT seq, origin, body FROM routing_observations WHERE kind = 'quality' OR at >= ? ORDER BY seq").all(since),
        cursor: this.#database.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM routing_observations').get()?.seq ?? 0,
      }))();
      this.#cursor = cursor;
      for (const row of rows) for (const observation of observationsOf(row.body, since)) apply(observation);
    } catch (error) {
      this.#onError(error);
    }
    this.#timer = setInterval(() => this.flush(), this.#options.flushIntervalMs).unref();
  }

  /** Writes the pending observations and applies the other processes' new ones. */
  flush(): void {
    if (!this.#database.open) return;
    const batch = this.#pending.take();
    let rows: Row[];
    try {
      rows = this.#database.transaction(() => {
        const insert = this.#database.prepare<[string, string, number, string]>('INSERT INTO routing_observations (origin, kind, at, body) VALUES (?, ?, ?, ?)');
        for (const row of rowsOf(batch, this.#now())) insert.run(this.#origin, row.kind, row.at, row.body);
        return this.#database.prepare<[number], Row>('SELECT seq, origin, body FROM routing_observations WHERE seq > ? ORDER BY seq').all(this.#cursor);
      }).immediate();
    } catch (error) {
      // Locked or unwritable: keep the batch for the next flush.
      this.#pending.putBack(batch);
      this.#onError(error);
      return;
    }
    for (const row of rows) {
      this.#cursor = Math.max(this.#cursor, row.seq);
      if (row.origin !== this.#origin && this.#apply) for (const observation of observationsOf(row.body)) this.#apply(observation);
    }
    if (++this.#flushes % PRUNE_EVERY_FLUSHES === 0) this.#prune();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.flush();
    return Promise.resolve();
  }

  #prune(): void {
    try {
      const { retainCallsMs, retainCallRows, retainQualityRows } = this.#options;
      this.#database.transaction(() => {
        // `call`: one call per row (journals written before calls were packed); `calls`: packed.
        this.#database.prepare("DELETE FROM routing_observations WHERE kind IN ('call', 'calls') AND at < ?").run(this.#now() - retainCallsMs);
        for (const [kind, keep] of [['call', retainCallRows], ['calls', retainCallRows], ['quality', retainQualityRows]] as const) {
          this.#database
            .prepare('DELETE FROM routing_observations WHERE kind = ? AND seq <= (SELECT seq FROM routing_observations WHERE kind = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)')
            .run(kind, kind, keep);
        }
      }).immediate();
    } catch (error) {
      this.#onError(error);
    }
  }
}
