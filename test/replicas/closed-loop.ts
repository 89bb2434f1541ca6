/**
 * Closed-loop HTTP load: `concurrency` clients, each sending its next request as soon as the
 * previous one finished, until the deadline. Every request has a hard timeout, so a hang shows
 * up as an outcome (`timeout`) instead of stalling the run. Used by the replica test and bench.
 */
import { performance } from 'node:perf_hooks';

export interface PlannedRequest {
  kind: string;
  path: string;
  body: unknown;
  /** Kept on the outcome (e.g. which question was asked). */
  label?: string;
}

export interface RequestOutcome {
  kind: string;
  label: string | undefined;
  /** `performance.now()` at send and at the end of the body (or of the failure). */
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 when the request failed without a response. */
  status: number;
  /** `error.code` of a JSON error body, `timeout`, or `connection` (no response at all). */
  errorCode: string | undefined;
  /** The replica that answered (the balancer's header). */
  backend: string | undefined;
  headers: Headers | undefined;
  body: Record<string, unknown> | undefined;
}

export interface ClosedLoopOptions {
  baseUrl: string;
  concurrency: number;
  durationMs: number;
  /** The next request for client `client`, its `sequence`-th. */
  next(client: number, sequence: number): PlannedRequest;
  /** Per-request limit; a request still open then is a `timeout` (default 15 s). */
  requestTimeoutMs?: number;
  /** Called after each outcome (e.g. to kill a replica at some point). */
  onOutcome?(outcome: RequestOutcome): void;
}

export async function sendRequest(baseUrl: string, planned: PlannedRequest, timeoutMs = 15_000): Promise<RequestOutcome> {
  const startedAt = performance.now();
  const base = { kind: planned.kind, label: planned.label, startedAt };
  try {
    const response = await fetch(`${baseUrl}${planned.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(planned.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const error = body?.error as { code?: string; type?: string } | undefined;
    return {
      ...base,
      endedAt: performance.now(),
      status: response.status,
      errorCode: response.ok ? undefined : (error?.code ?? error?.type ?? 'unknown'),
      backend: response.headers.get('x-balancer-backend') ?? undefined,
      headers: response.headers,
      body,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ...base, endedAt: performance.now(), status: 0, errorCode: timedOut ? 'timeout' : 'connection', backend: undefined, headers: undefined, body: undefined };
  }
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<RequestOutcome[]> {
  const outcomes: RequestOutcome[] = [];
  const deadline = performance.now() + options.durationMs;
  const client = async (index: number) => {
    for (let sequence = 0; performance.now() < deadline; sequence++) {
      const outcome = await sendRequest(options.baseUrl, options.next(index, sequence), options.requestTimeoutMs);
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => client(index)));
  return outcomes;
}

/** A seeded PRNG, so a run's request mix is reproducible (the bench imports it from here too). */
export { createSeededRandom as seededRandom } from '../../src/core/seeded-random.js';
