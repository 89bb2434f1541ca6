/**
 * Load generation: open loop at a fixed rate (each request has an intended send time and its
 * latency is measured from it, so a server falling behind shows as queueing instead of being
 * hidden by a slowed-down client) and closed-loop saturation with autocannon.
 */
import { createRequire } from 'node:module';
import { Pool } from 'undici';

export interface LoadTarget {
  url: string;
  path: string;
  body: string;
  /** Default POST (with `body`); GET sends no body. */
  method?: 'GET' | 'POST';
  /** The body of the i-th request instead of `body` (e.g. a unique query each, so no cache can answer). */
  bodyFor?: (index: number) => string;
  /** Called with every answered request's status and body (e.g. to count cache outcomes). */
  onAnswer?: (status: number, text: string) => void;
  /** Streams: the text a complete answer contains (default `[DONE]`, OpenAI's; Anthropic's is `message_stop`). */
  streamEnd?: string;
}

export interface OpenLoopRun {
  sent: number;
  ok: number;
  errors: number;
  /** Latency of every request from its intended send time, ms. */
  latencies: Float64Array;
  /** `x-fortitude-overhead-ms` of each answer that carried one (time inside Fortitude). */
  overheads: number[];
  elapsedMs: number;
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

/**
 * Sends `rate × durationMs` requests on schedule, whatever the server's pace. `warmupMs` first
 * runs the same schedule unrecorded on the same connection pool, so the measured part does not
 * include opening connections or the server's first-request costs.
 */
export async function openLoop(
  target: LoadTarget,
  rate: number,
  durationMs: number,
  /** `drainMs`: after the last send, wait at most this long for answers; the rest count as errors (timed out), at their age then. */
  options: { warmupMs?: number; pool?: Pool; drainMs?: number } = {},
): Promise<OpenLoopRun> {
  const pool = options.pool ?? new Pool(target.url, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
  if (options.warmupMs) await openLoop(target, rate, options.warmupMs, { pool });
  const count = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const latencies = new Float64Array(count);
  const finished = new Uint8Array(count);
  let timedOut = false;
  const overheads: number[] = [];
  let done = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now() + 5;
  const send = (index: number, intended: number): void => {
    pool
      .request(target.method === 'GET' ? { method: 'GET', path: target.path } : { method: 'POST', path: target.path, headers: HEADERS, body: target.bodyFor?.(index) ?? target.body })
      .then(async (response) => {
        const text = await response.body.text();
        if (timedOut) return;
        target.onAnswer?.(response.statusCode, text);
        const overhead = response.headers['x-fortitude-overhead-ms'];
        if (typeof overhead === 'string') overheads.push(Number(overhead));
        if (response.statusCode === 200) ok++;
        else errors++;
      })
      .catch(() => {
        if (!timedOut) errors++;
      })
      .finally(() => {
        if (timedOut) return;
        latencies[index] = performance.now() - intended;
        finished[index] = 1;
        done++;
      });
  };
  await sendOnSchedule(start, count, interval, send, () => done === count, { ms: options.drainMs ?? Number.POSITIVE_INFINITY, onTimeout: () => (timedOut = true) });
  const elapsedMs = performance.now() - start;
  if (timedOut) {
    // Unanswered requests count as errors at their age now; their late answers are ignored.
    const now = performance.now();
    for (let index = 0; index < count; index++) if (!finished[index]) latencies[index] = now - (start + index * interval);
    errors += count - done;
    await pool.destroy();
    return { sent: count, ok, errors, latencies, overheads, elapsedMs };
  }
  if (!options.pool) await pool.close();
  return { sent: count, ok, errors, latencies, overheads, elapsedMs };
}

/**
 * Calls `send(index, intended)` for `count` requests, the i-th at `start + i × intervalMs`, whatever
 * the server's pace; then resolves once `settled()`, or `drain.ms` after the last send (calling
 * `drain.onTimeout` first: the rest stay unanswered).
 */
function sendOnSchedule(
  start: number,
  count: number,
  intervalMs: number,
  send: (index: number, intended: number) => void,
  settled: () => boolean,
  drain: { ms: number; onTimeout(): void } = { ms: Number.POSITIVE_INFINITY, onTimeout: () => undefined },
): Promise<void> {
  let sent = 0;
  return new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < count && start + sent * intervalMs <= now) {
        send(sent, start + sent * intervalMs);
        sent++;
      }
      if (sent < count) {
        const wait = start + sent * intervalMs - performance.now();
        // Sleep when the next send is far off; spin (yielding to I/O) when it is close.
        if (wait > 2) setTimeout(tick, wait - 1);
        else setImmediate(tick);
        return;
      }
      const drainUntil = performance.now() + drain.ms;
      const waitForAll = (): void => {
        if (settled()) resolve();
        else if (performance.now() >= drainUntil) {
          drain.onTimeout();
          resolve();
        } else setTimeout(waitForAll, 2);
      };
      waitForAll();
    };
    setTimeout(tick, 5);
  });
}

export interface ClosedLoopRun {
  ok: number;
  errors: number;
  /** Latency of every answered request, ms. */
  latencies: Float64Array;
  elapsedMs: number;
}

/**
 * Closed loop with our own client (autocannon sends one body): `connections` clients each send the
 * next request as soon as one returns, for `durationMs`; request i gets `target.bodyFor(offset + i)`.
 */
export async function closedLoop(target: LoadTarget, connections: number, durationMs: number, offset = 0): Promise<ClosedLoopRun> {
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  let next = offset;
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const index = next++;
      const sent = performance.now();
      try {
        const response = await pool.request({ method: 'POST', path: target.path, headers: HEADERS, body: target.bodyFor?.(index) ?? target.body });
        const text = await response.body.text();
        target.onAnswer?.(response.statusCode, text);
        if (response.statusCode === 200) ok++;
        else errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { ok, errors, latencies: Float64Array.from(latencies), elapsedMs };
}

export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

export interface SaturationRun {
  ok: number;
  errors: number;
  /** autocannon's percentiles for this run, ms. */
  p50: number;
  p99: number;
  durationSeconds: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Closed loop: `connections` clients each sending the next request as soon as one returns. */
export async function saturate(target: LoadTarget, connections: number, durationSeconds: number): Promise<SaturationRun> {
  const result = await autocannon({
    url: target.url + target.path,
    method: 'POST',
    headers: HEADERS,
    body: target.body,
    connections,
    pipelining: 1,
    duration: durationSeconds,
  });
  return {
    durationSeconds: result.duration,
    ok: result['2xx'],
    errors: result.errors + result.timeouts + result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

export interface StreamRun {
  sent: number;
  ok: number;
  errors: number;
  /** Time to the first body byte of each answer, from its intended send time, ms. */
  firstByte: Float64Array;
  /** Time to the end of each answer, ms. */
  complete: Float64Array;
}

/** Open loop for streamed answers (`"stream": true`): time to first body byte and to the end. */
export async function openLoopStream(target: LoadTarget, rate: number, durationMs: number): Promise<StreamRun> {
  const pool = new Pool(target.url, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
  const count = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const firstByte = new Float64Array(count);
  const complete = new Float64Array(count);
  let done = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now() + 5;
  const send = (index: number, intended: number): void => {
    pool
      .request({ method: 'POST', path: target.path, headers: HEADERS, body: target.body })
      .then(
        (response) =>
          new Promise<void>((resolve) => {
            let first = true;
            let text = '';
            response.body.on('data', (part: Buffer) => {
              if (first) {
                firstByte[index] = performance.now() - intended;
                first = false;
              }
              text += part.toString();
            });
            response.body.on('end', () => {
              if (response.statusCode === 200 && text.includes(target.streamEnd ?? '[DONE]')) ok++;
              else errors++;
              resolve();
            });
            response.body.on('error', () => {
              errors++;
              resolve();
            });
          }),
      )
      .catch(() => {
        errors++;
      })
      .finally(() => {
        complete[index] = performance.now() - intended;
        done++;
      });
  };
  await sendOnSchedule(start, count, interval, send, () => done === count);
  await pool.close();
  return { sent: count, ok, errors, firstByte, complete };
}
