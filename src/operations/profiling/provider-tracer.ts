import { readNetDev, type InterfaceIo } from '../../infrastructure/metrics/proc-io.js';
import { intercept } from './intercept.js';
import { distribution, waitFor, type Distribution } from './wait.js';

/**
 * Per-request provider traces over a span. Two hooks are wrapped for the duration:
 * - the provider statistics sink (`stats.record`), called once per network try — retries
 *   included — with its latency and outcome;
 * - the request recorder (`recorder.add`), called per call outcome: the failed attempts of a
 *   fallback chain, then the answer. Records added in one synchronous turn belong to one
 *   request, so a trace shows its attempts in order.
 */

export interface TrySample {
  provider: string;
  model: string;
  latencyMs: number;
  outcome: string;
}

export interface CallRecord {
  provider: string;
  model: string;
  latencyMs: number;
  status: string;
  errorClass?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  researchType?: string | null;
  fallbackFrom?: string | null;
}

export interface ProviderTrace {
  /** ms since the epoch when the request's outcome was recorded. */
  at: number;
  /** The provider that answered, or the last one tried. */
  provider: string;
  status: string;
  latencyMs: number;
  /** Every attempt in order: failed ones, then the answer. */
  attempts: { provider: string; model: string; status: string; errorClass: string | null; latencyMs: number }[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  researchType: string | null;
}

export interface ProviderProfileSummary {
  provider: string;
  /** Network tries (retries included). */
  tries: number;
  failedTries: number;
  /** Call outcomes recorded (attempts of fallback chains and answers). */
  calls: number;
  answered: number;
  /** tries − calls: tries spent on retries within one call. */
  retries: number;
  errorsByClass: Record<string, number>;
  tryLatency: Distribution;
  callLatency: Distribution;
  costUsd: number;
}

export interface ProviderProfile {
  kind: 'providers';
  startedAt: number;
  durationMs: number;
  summary: ProviderProfileSummary[];
  /** Present with `traceRequests`, newest last (at most `traceLimit`). */
  traces?: ProviderTrace[];
  traceCount: number;
  tries?: (TrySample & { at: number })[];
  /** Status before and after (breaker, rate limit, connection pool). */
  status: { before: unknown; after: unknown };
  /** Present with `includeNetwork`: connection pools and interface byte counts over the span. */
  network?: { connections: unknown; interfaces: InterfaceIo[] | null };
}

export interface ProviderTraceDeps {
  stats: { record(sample: TrySample): void };
  recorder: { add(record: CallRecord): void };
  /** Status of every provider (JSON-serialisable). */
  status(): Promise<unknown[]>;
}

export interface ProviderProfileOptions {
  durationMs: number;
  traceRequests: boolean;
  includeNetwork: boolean;
  signal?: AbortSignal;
  traceLimit?: number;
}

export async function traceProviders(deps: ProviderTraceDeps, options: ProviderProfileOptions): Promise<ProviderProfile> {
  const traceLimit = options.traceLimit ?? 1_000;
  const tries: (TrySample & { at: number })[] = [];
  const traces: ProviderTrace[] = [];
  let traceCount = 0;
  let turn: CallRecord[] | undefined;
  const calls: CallRecord[] = [];

  const closeTurn = (records: CallRecord[]) => {
    const last = records[records.length - 1]!;
    traceCount += 1;
    if (!options.traceRequests) return;
    traces.push({
      at: Date.now(),
      provider: last.provider,
      status: last.status,
      latencyMs: last.latencyMs,
      attempts: records.map((record) => ({ provider: record.provider, model: record.model, status: record.status, errorClass: record.errorClass ?? null, latencyMs: record.latencyMs })),
      inputTokens: last.inputTokens ?? 0,
      outputTokens: last.outputTokens ?? 0,
      costUsd: last.costUsd ?? 0,
      researchType: last.researchType ?? null,
    });
    if (traces.length > traceLimit) traces.shift();
  };

  const statusBefore = await deps.status();
  const netBefore = options.includeNetwork ? readNetDev() : undefined;
  const undoStats = intercept(deps.stats, 'record', (original) =>
    function record(this: unknown, ...args: unknown[]) {
      const sample = args[0] as TrySample;
      tries.push({ at: Date.now(), provider: sample.provider, model: sample.model, latencyMs: sample.latencyMs, outcome: sample.outcome });
      return original.apply(this, args);
    },
  );
  const undoRecorder = intercept(deps.recorder, 'add', (original) =>
    function add(this: unknown, ...args: unknown[]) {
      const record = args[0] as CallRecord;
      calls.push(record);
      if (turn === undefined) {
        const current: CallRecord[] = (turn = []);
        queueMicrotask(() => {
          turn = undefined;
          closeTurn(current);
        });
      }
      turn.push(record);
      return original.apply(this, args);
    },
  );
  const startedAt = Date.now();
  const started = performance.now();
  try {
    await waitFor(options.durationMs, options.signal);
  } finally {
    undoStats();
    undoRecorder();
  }
  await Promise.resolve(); // the last turn's microtask
  const statusAfter = await deps.status();
  const profile: ProviderProfile = {
    kind: 'providers',
    startedAt,
    durationMs: performance.now() - started,
    summary: summarise(tries, calls),
    traceCount,
    status: { before: statusBefore, after: statusAfter },
  };
  if (options.traceRequests) {
    profile.traces = traces;
    profile.tries = tries.slice(-traceLimit);
  }
  if (options.includeNetwork) {
    const netAfter = readNetDev();
    profile.network = {
      connections: statusAfter.map((status) => ({ name: (status as { name?: unknown }).name, connections: (status as { connections?: unknown }).connections ?? null })),
      interfaces: netBefore && netAfter ? interfaceDeltas(netBefore, netAfter) : null,
    };
  }
  return profile;
}

function summarise(tries: TrySample[], calls: CallRecord[]): ProviderProfileSummary[] {
  const names = new Set([...tries.map((entry) => entry.provider), ...calls.map((entry) => entry.provider)]);
  return [...names].sort().map((provider) => {
    const providerTries = tries.filter((entry) => entry.provider === provider);
    const providerCalls = calls.filter((entry) => entry.provider === provider);
    const errorsByClass: Record<string, number> = {};
    for (const entry of providerTries) if (entry.outcome !== 'ok') errorsByClass[entry.outcome] = (errorsByClass[entry.outcome] ?? 0) + 1;
    return {
      provider,
      tries: providerTries.length,
      failedTries: providerTries.filter((entry) => entry.outcome !== 'ok').length,
      calls: providerCalls.length,
      answered: providerCalls.filter((entry) => entry.status === 'ok').length,
      retries: Math.max(0, providerTries.length - providerCalls.length),
      errorsByClass,
      tryLatency: distribution(providerTries.map((entry) => entry.latencyMs)),
      callLatency: distribution(providerCalls.map((entry) => entry.latencyMs)),
      costUsd: providerCalls.reduce((total, entry) => total + (entry.costUsd ?? 0), 0),
    };
  });
}

function interfaceDeltas(before: InterfaceIo[], after: InterfaceIo[]): InterfaceIo[] {
  return after.flatMap((entry) => {
    const start = before.find((candidate) => candidate.name === entry.name);
    return start
      ? [
          {
            name: entry.name,
            receivedBytes: entry.receivedBytes - start.receivedBytes,
            transmittedBytes: entry.transmittedBytes - start.transmittedBytes,
            receivedPackets: entry.receivedPackets - start.receivedPackets,
            transmittedPackets: entry.transmittedPackets - start.transmittedPackets,
          },
        ]
      : [];
  });
}
