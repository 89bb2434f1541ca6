import type { Admission, BreakerOutcome, BreakerPolicy, BreakerSnapshot } from './breaker-state.js';

/**
 * Where breaker state lives. The memory store applies `breaker-state.ts` in process; a shared
 * store (Redis + Lua) would implement the same three transitions atomically per key.
 */
export interface BreakerStore {
  /** May a call go out now? Marks a half-open probe slot as taken when it says `probe`. */
  admit(key: string, policy: BreakerPolicy, now: number): Promise<Admission>;
  /** Applies how an admitted call ended. */
  record(key: string, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): Promise<void>;
  snapshot(key: string, policy: BreakerPolicy, now: number): Promise<BreakerSnapshot>;
  close(): Promise<void>;
  /** `admit` decided synchronously, by a store that holds its state in process (optional). */
  admitNow?(key: string, policy: BreakerPolicy, now: number): Admission;
  /** `record` applied synchronously, by a store that holds its state in process (optional). */
  recordNow?(key: string, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): void;
}
