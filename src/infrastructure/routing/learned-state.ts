import type { QualitySource } from '../../core/research.js';

/** One thing the router learned from: a finished call, or a quality score of an answer. */
export type LearnedObservation =
  | {
      kind: 'call';
      provider: string;
      researchType: string;
      /** Epoch ms the call finished. */
      at: number;
      ok: boolean;
      latencyMs: number;
      costUsd: number;
    }
  | {
      kind: 'quality';
      provider: string;
      researchType: string;
      model?: string | undefined;
      /** 0–1. */
      score: number;
      source: QualitySource;
    };

/**
 * Where learned routing state outlives one process: every worker of a machine, a restarted
 * server and the CLI see the same estimates. The router publishes what it observes and absorbs
 * what the others observed; the exchange never hands a process back its own observations.
 */
export interface LearnedStateExchange {
  /** Queues one local observation for the other processes and for the next start. */
  publish(observation: LearnedObservation): void;
  /**
   * Called once by the router: `apply` receives every stored observation still relevant (oldest
   * first) before `subscribe` returns, then other processes' observations as they arrive.
   */
  subscribe(apply: (observation: LearnedObservation) => void): void;
  /** Resolves once the stored observations have been applied (the Redis journal replays them asynchronously). */
  ready?(): Promise<void>;
}

/**
 * The observations a journal has not written yet. Bounded: a store that stays locked or
 * unreachable must not grow memory without bound, so past `limit` the oldest go first.
 *
 * Past the limit the oldest are skipped by moving a start index, and the array is compacted once
 * `limit` have been skipped: a `splice` per call moved all 10,000 entries each time (~30 µs per
 * call, on every call of a process answering more than 10,000 a second).
 */
export class PendingObservations {
  #items: LearnedObservation[] = [];
  /** Entries before it are dropped (the oldest past `limit`). */
  #start = 0;
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  push(observation: LearnedObservation): void {
    this.#items.push(observation);
    if (this.#items.length - this.#start <= this.#limit) return;
    this.#start += 1;
    if (this.#start >= this.#limit) {
      this.#items = this.#items.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Every waiting observation, oldest first: the next write's batch. */
  take(): LearnedObservation[] {
    const batch = this.#start === 0 ? this.#items : this.#items.slice(this.#start);
    this.#items = [];
    this.#start = 0;
    return batch;
  }

  /** A batch that was not written goes back before what arrived meanwhile (the newest `limit` kept). */
  putBack(batch: readonly LearnedObservation[]): void {
    this.#items = [...batch, ...this.take()].slice(-this.#limit);
  }
}
