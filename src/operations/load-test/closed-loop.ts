import { distribution, type Distribution } from '../profiling/wait.js';

/**
 * A closed-loop load: `concurrency` callers, each starting its next call when the previous one
 * answered, until `durationMs` has passed (calls already started finish). What the seed's
 * `load_tests.provider_tests` (`concurrent_requests`) and `database_tests` (`concurrent_queries`)
 * describe: a fixed number in flight, measuring how much the target sustains.
 */

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  /** One call; `index` counts calls across all callers. A throw or a `false` answer is an error. */
  call(index: number): Promise<boolean | void>;
  signal?: AbortSignal;
}

export interface ClosedLoopResult extends Distribution {
  requests: number;
  errors: number;
  /** Completed calls per second of the run. */
  throughput: number;
  /** Most calls seen in flight at once (the configured concurrency once it is reached). */
  maxInFlight: number;
  durationMs: number;
  /** The first error's message, if any (for the report). */
  firstError?: string;
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let index = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let firstError: string | undefined;
  const caller = async () => {
    while (performance.now() < deadline && !options.signal?.aborted) {
      const sent = performance.now();
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if ((await options.call(index++)) === false) errors += 1;
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      } finally {
        inFlight -= 1;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, caller));
  const durationMs = performance.now() - started;
  return {
    ...distribution(latencies),
    requests: latencies.length,
    errors,
    throughput: durationMs > 0 ? (latencies.length * 1000) / durationMs : 0,
    maxInFlight,
    durationMs,
    ...(firstError === undefined ? {} : { firstError: firstError.slice(0, 300) }),
  };
}
