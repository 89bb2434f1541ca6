import { Pool } from 'undici';
import { distribution, type Distribution } from '../profiling/wait.js';
import { arrivalTime, usersAt, type LoadPlan, type RequestKind } from './load-plan.js';
import { createRequestMix } from './request-mix.js';

/**
 * An open-loop load generator: requests are due on a schedule (the plan's ramp to its target
 * rate) whether or not earlier ones have answered, so a slow server shows up as latency rather
 * than as a politely lower rate. Latency is measured from when a request was due, queueing
 * included (no coordinated omission); at most `usersAt(t)` are in flight, the rest wait in line.
 */

export interface RunOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  plan: LoadPlan;
  headers?: Record<string, string>;
  seed?: number;
  signal?: AbortSignal;
  /** Called about once a second. */
  onProgress?(progress: { elapsedMs: number; sent: number; completed: number; errors: number; inFlight: number }): void;
  /** How long to wait for stragglers after the last arrival (default 30 s). */
  drainTimeoutMs?: number;
}

export interface KindResult extends Distribution {
  kind: RequestKind | 'all';
  requests: number;
  /** 5xx and network failures. */
  errors: number;
  /** 4xx answers (e.g. 429 when rate limited). */
  rejected: number;
  /** Completed per second over the run. */
  throughput: number;
}

export interface SecondPoint {
  /** Seconds since start; requests are counted in the second they came due. */
  second: number;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface LoadResult {
  startedAt: number;
  durationMs: number;
  /** Requests that came due; `notSent` of them were still queued when the run ended. */
  due: number;
  sent: number;
  notSent: number;
  /** Requests still unanswered at the drain timeout. */
  unfinished: number;
  /** Requests that waited for a free user slot. */
  queued: number;
  /** Latency from due time (ms), by kind and overall. */
  overall: KindResult;
  byKind: KindResult[];
  /** Requests per second that came due and completed after the ramp-up (the steady state). */
  steadyRps: number;
  /** Service time (ms) from send to answer, overall. */
  serviceTime: Distribution;
  statusCounts: Record<string, number>;
  timeline: SecondPoint[];
}

interface Sample {
  kind: RequestKind;
  dueMs: number;
  latencyMs: number;
  serviceMs: number;
  status: number;
}

export async function runLoad(options: RunOptions): Promise<LoadResult> {
  const { plan } = options;
  const nextRequest = createRequestMix(plan.mix, options.seed ?? 1);
  const origin = new URL(options.url).origin;
  const basePath = new URL(options.url).pathname.replace(/\/+$/, '');
  const pool = new Pool(origin, { connections: Math.min(plan.users, 512), keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/json', ...options.headers };
  const samples: Sample[] = [];
  const waiting: { dueMs: number; run: () => void }[] = [];
  let inFlight = 0;
  let sent = 0;
  let due = 0;
  let queued = 0;
  let errors = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;

  const settled = new Set<Promise<void>>();
  const release = () => {
    inFlight -= 1;
    const limit = usersAt(plan, elapsed());
    while (waiting.length > 0 && inFlight < limit && elapsed() < plan.durationMs) waiting.shift()!.run();
  };

  const dispatch = (dueMs: number) => {
    const request = nextRequest();
    const run = () => {
      inFlight += 1;
      sent += 1;
      const sentAt = elapsed();
      const work = pool
        .request({ origin, path: basePath + request.path, method: request.method, headers, ...(request.body ? { body: request.body } : {}) })
        .then(async (response) => {
          await response.body.dump();
          return response.statusCode;
        })
        .catch(() => 0)
        .then((status) => {
          const now = elapsed();
          if (status === 0 || status >= 500) errors += 1;
          samples.push({ kind: request.kind, dueMs, latencyMs: now - dueMs, serviceMs: now - sentAt, status });
          release();
        });
      settled.add(work);
      void work.finally(() => settled.delete(work));
    };
    if (inFlight < usersAt(plan, dueMs)) run();
    else {
      queued += 1;
      waiting.push({ dueMs, run });
    }
  };

  let lastProgress = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = elapsed();
      while (!options.signal?.aborted) {
        const next = arrivalTime(plan, due);
        if (next >= plan.durationMs || next > now) break;
        due += 1;
        dispatch(next);
      }
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        options.onProgress({ elapsedMs: now, sent, completed: samples.length, errors, inFlight });
      }
      const next = arrivalTime(plan, due);
      if (options.signal?.aborted || next >= plan.durationMs) return resolve();
      setTimeout(tick, Math.max(0, Math.min(next - elapsed(), 250)));
    };
    tick();
  });
  const notSent = waiting.length;
  waiting.length = 0;
  const drain = Promise.allSettled([...settled]);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drain, new Promise((resolve) => (timer = setTimeout(resolve, options.drainTimeoutMs ?? 30_000)))]);
  clearTimeout(timer);
  const unfinished = settled.size;
  await pool.destroy().catch(() => undefined);

  const durationMs = Math.max(elapsed(), 1);
  return summarise(samples, { startedAt, durationMs, due, sent, notSent, unfinished, queued, runSeconds: plan.durationMs / 1000, rampUpMs: plan.rampUpMs });
}

function kindResult(kind: RequestKind | 'all', samples: Sample[], runSeconds: number): KindResult {
  return {
    kind,
    requests: samples.length,
    errors: samples.filter((sample) => sample.status === 0 || sample.status >= 500).length,
    rejected: samples.filter((sample) => sample.status >= 400 && sample.status < 500).length,
    throughput: samples.length / runSeconds,
    ...distribution(samples.map((sample) => sample.latencyMs)),
  };
}

export function summarise(
  samples: Sample[],
  run: { startedAt: number; durationMs: number; due: number; sent: number; notSent: number; unfinished: number; queued: number; runSeconds: number; rampUpMs: number },
): LoadResult {
  const kinds = [...new Set(samples.map((sample) => sample.kind))].sort();
  const statusCounts: Record<string, number> = {};
  for (const sample of samples) statusCounts[sample.status === 0 ? 'network_error' : String(sample.status)] = (statusCounts[sample.status === 0 ? 'network_error' : String(sample.status)] ?? 0) + 1;
  const bySecond: Sample[][] = Array.from({ length: Math.max(1, Math.ceil(run.runSeconds)) }, () => []);
  for (const sample of samples) bySecond[Math.min(bySecond.length - 1, Math.floor(sample.dueMs / 1000))]!.push(sample);
  const timeline: SecondPoint[] = bySecond.map((inSecond, second) => {
    const spread = distribution(inSecond.map((sample) => sample.latencyMs));
    return { second, requests: inSecond.length, errors: inSecond.filter((sample) => sample.status === 0 || sample.status >= 500).length, p50: spread.p50, p95: spread.p95, p99: spread.p99 };
  });
  return {
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    due: run.due,
    sent: run.sent,
    notSent: run.notSent,
    unfinished: run.unfinished,
    queued: run.queued,
    overall: kindResult('all', samples, run.runSeconds),
    byKind: kinds.map((kind) => kindResult(kind, samples.filter((sample) => sample.kind === kind), run.runSeconds)),
    steadyRps: samples.filter((sample) => sample.dueMs >= run.rampUpMs).length / Math.max(0.001, run.runSeconds - run.rampUpMs / 1000),
    serviceTime: distribution(samples.map((sample) => sample.serviceMs)),
    statusCounts,
    timeline,
  };
}
