import type { Readable } from 'node:stream';
import { FortitudeError } from '../../core/errors.js';
import { recordCpuProfile, type CpuProfile } from './cpu-profiler.js';
import { profileStorage, type DatabaseProfile, type ProfiledStorage } from './database-profiler.js';
import { recordIoProfile, type IoProfile } from './io-profiler.js';
import { heapSnapshot, recordMemoryProfile, type MemoryProfile } from './memory-profiler.js';
import { traceProviders, type ProviderProfile, type ProviderTraceDeps } from './provider-tracer.js';
import { redactHeapSnapshot } from './redact-heap-snapshot.js';

/**
 * On-demand profiles of the running server (`fortitude profile …` asks for them over HTTP):
 * one of each kind at a time per process, durations bounded, each stopping early when the
 * caller goes away. Every result names the process it describes — with `--workers N` that is the
 * one worker that answered, and how many workers there are (the CLI says the others were not profiled).
 */

export type ProfileKind = 'cpu' | 'memory' | 'io' | 'database' | 'providers';

/** Longest profile accepted: 10 min. */
export const MAX_PROFILE_MS = 600_000;
export const MIN_PROFILE_MS = 100;

export interface ProfileRequest {
  durationMs: number;
  signal?: AbortSignal;
  /** cpu: sampling interval, µs. */
  samplingIntervalUs?: number;
  /** memory: include the raw sampling heap profile. */
  includeSamplingProfile?: boolean;
  /**
   * memory: a heap snapshot is asked for right after this profile (`profile memory --heap-dump`):
   * refused at once, before recording, when heap snapshots are off.
   */
  heapSnapshotAfter?: boolean;
  /** io */
  includeDisk?: boolean;
  includeNetwork?: boolean;
  /** database: threshold of a slow query, ms. */
  minDurationMs?: number;
  /** database: the plan of each slow statement (EXPLAIN without ANALYZE). */
  explain?: boolean;
  /** database: keep every call's duration (for merging the workers' profiles). */
  keepDurations?: boolean;
  /** providers: list every request's attempts. */
  traceRequests?: boolean;
}

export interface ProcessIdentity {
  pid: number;
  /** Cluster worker id, when clustered. */
  workerId?: number;
  /** How many workers the server runs (the others were not profiled, unless `profiledWorkers` says otherwise). */
  workers?: number;
  /** A profile merged over the workers (database): how many answered. */
  profiledWorkers?: number;
}

export type ProfileResult = (CpuProfileResult | MemoryProfile | IoProfile | DatabaseProfile | ProviderProfile) & { process: ProcessIdentity };

export interface CpuProfileResult {
  kind: 'cpu';
  startedAt: number;
  durationMs: number;
  profile: CpuProfile;
}

export interface ProfilingDeps {
  storage: ProfiledStorage;
  providers: ProviderTraceDeps;
  process: ProcessIdentity;
  /**
   * Heap snapshots: off (refused with 403), or on with the secret values to redact from the file
   * (key-shaped strings are redacted as well). Default off.
   */
  heapSnapshots?: false | { redact: readonly string[] };
}

export interface ProfilingService {
  run(kind: ProfileKind, request: ProfileRequest): Promise<ProfileResult>;
  /** A full V8 heap snapshot stream, secrets redacted (pauses the process while written). Throws `forbidden` when off. */
  heapSnapshot(): Readable;
  /** Kinds running now. */
  running(): ProfileKind[];
}

export function createProfilingService(deps: ProfilingDeps): ProfilingService {
  const busy = new Set<ProfileKind | 'heap'>();
  const snapshotOptions = (): { redact: readonly string[] } => {
    const options = deps.heapSnapshots ?? false;
    if (options === false) {
      throw new FortitudeError(
        'forbidden',
        'heap snapshots are off on this server: one pauses it for seconds and holds all it has in memory. To allow them (secrets are redacted from the file), set server.heap_snapshots: true (env FORTITUDE_SERVER__HEAP_SNAPSHOTS=true)',
      );
    }
    return options;
  };

  const execute = async (kind: ProfileKind, request: ProfileRequest) => {
    const signal = request.signal;
    switch (kind) {
      case 'cpu': {
        const startedAt = Date.now();
        const started = performance.now();
        const profile = await recordCpuProfile({ durationMs: request.durationMs, samplingIntervalUs: request.samplingIntervalUs, signal });
        return { kind: 'cpu' as const, startedAt, durationMs: performance.now() - started, profile };
      }
      case 'memory':
        return recordMemoryProfile({ durationMs: request.durationMs, includeSamplingProfile: request.includeSamplingProfile ?? false, signal });
      case 'io':
        return recordIoProfile({ durationMs: request.durationMs, includeDisk: request.includeDisk ?? true, includeNetwork: request.includeNetwork ?? true, signal });
      case 'database':
        return profileStorage(deps.storage, { durationMs: request.durationMs, minDurationMs: request.minDurationMs ?? 100, explain: request.explain ?? false, keepDurations: request.keepDurations ?? false, signal });
      case 'providers':
        return traceProviders(deps.providers, {
          durationMs: request.durationMs,
          traceRequests: request.traceRequests ?? false,
          includeNetwork: request.includeNetwork ?? false,
          signal,
        });
    }
  };

  return {
    async run(kind, request) {
      if (!(request.durationMs >= MIN_PROFILE_MS && request.durationMs <= MAX_PROFILE_MS)) {
        throw new FortitudeError('bad_request', `duration: expected ${MIN_PROFILE_MS}–${MAX_PROFILE_MS} ms (got ${request.durationMs})`, { details: { field: 'duration_ms' } });
      }
      // Said before recording, not after the whole duration.
      if (kind === 'memory' && request.heapSnapshotAfter === true) snapshotOptions();
      if (busy.has(kind)) {
        throw new FortitudeError('rate_limited', `a ${kind} profile is already being recorded in this process; try again when it ends`, { retryable: true });
      }
      busy.add(kind);
      try {
        return { ...(await execute(kind, request)), process: deps.process };
      } finally {
        busy.delete(kind);
      }
    },
    heapSnapshot() {
      const options = snapshotOptions();
      if (busy.has('heap')) throw new FortitudeError('rate_limited', 'a heap snapshot is already being written; try again when it ends', { retryable: true });
      busy.add('heap');
      const snapshot = heapSnapshot();
      const redacted = redactHeapSnapshot(options.redact);
      snapshot.once('close', () => busy.delete('heap'));
      // Errors travel downstream, and a consumer that goes away stops the snapshot stream.
      snapshot.once('error', (error) => redacted.destroy(error));
      redacted.once('close', () => snapshot.destroy());
      return snapshot.pipe(redacted);
    },
    running: () => [...busy].filter((kind): kind is ProfileKind => kind !== 'heap'),
  };
}
