import { admit, initialBreakerState, recordOutcome, snapshotOf } from './breaker-state.js';
import type { Admission, BreakerOutcome, BreakerPolicy, BreakerSnapshot, BreakerState } from './breaker-state.js';
import type { BreakerStore } from './breaker-store.js';

/** Breaker state in process memory; each method runs synchronously, hence atomically. */
export class MemoryBreakerStore implements BreakerStore {
  readonly #states = new Map<string, BreakerState>();

  #state(key: string): BreakerState {
    let state = this.#states.get(key);
    if (!state) this.#states.set(key, (state = initialBreakerState()));
    return state;
  }

  admitNow(key: string, policy: BreakerPolicy, now: number): Admission {
    return admit(this.#state(key), policy, now);
  }

  recordNow(key: string, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): void {
    recordOutcome(this.#state(key), policy, outcome, probe, now);
  }

  admit(key: string, policy: BreakerPolicy, now: number): Promise<Admission> {
    return Promise.resolve(this.admitNow(key, policy, now));
  }

  record(key: string, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): Promise<void> {
    this.recordNow(key, policy, outcome, probe, now);
    return Promise.resolve();
  }

  snapshot(key: string, policy: BreakerPolicy, now: number): Promise<BreakerSnapshot> {
    return Promise.resolve(snapshotOf(this.#state(key), policy, now));
  }

  close(): Promise<void> {
    this.#states.clear();
    return Promise.resolve();
  }
}
