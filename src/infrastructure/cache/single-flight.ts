/**
 * Single-flight: concurrent callers with the same key share one execution of `work`. The
 * entry is removed when the work settles, so a failure is never remembered: every waiter gets
 * that error and the next caller starts afresh.
 */
export interface SingleFlight<T> {
  /** Runs `work` unless a run for `key` is in flight, in which case it joins that run. */
  run(key: string, work: () => Promise<T>): Promise<{ value: T; shared: boolean }>;
  /** Keys currently in flight. */
  readonly size: number;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  const flights = new Map<string, Promise<T>>();
  return {
    async run(key, work) {
      const existing = flights.get(key);
      if (existing) return { value: await existing, shared: true };
      const flight = (async () => {
        try {
          return await work();
        } finally {
          flights.delete(key);
        }
      })();
      flights.set(key, flight);
      return { value: await flight, shared: false };
    },
    get size() {
      return flights.size;
    },
  };
}
