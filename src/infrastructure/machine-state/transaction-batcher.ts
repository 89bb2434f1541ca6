import type { MachineStateDatabase } from './machine-state-db.js';

interface Pending {
  step: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Runs the store steps requested in one turn of the event loop in one `BEGIN IMMEDIATE`
 * transaction, in request order. Each step still sees the effects of the ones before it, so
 * every step is as atomic as if it had its own transaction; under load (many calls in flight)
 * the cost of a transaction (lock, WAL append, commit) is shared by all of them. A step that
 * throws aborts the batch and every step in it is rejected (nothing of it was written).
 */
export class TransactionBatcher {
  readonly #run: (batch: readonly Pending[]) => unknown[];
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(database: MachineStateDatabase) {
    this.#run = database.transaction((batch: readonly Pending[]) => batch.map((entry) => entry.step())).immediate;
  }

  run<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ step, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    let results: unknown[];
    try {
      results = this.#run(batch);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index]));
  }
}
