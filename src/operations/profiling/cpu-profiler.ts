import { Session } from 'node:inspector/promises';
import { waitFor } from './wait.js';

/**
 * CPU profiles of this process through the V8 inspector protocol (`Profiler.start` / `stop`),
 * in the `.cpuprofile` format Chrome DevTools, speedscope and `flame-graph.ts` read. The session
 * is in-process: the profile covers this process's main thread only (one worker of a cluster).
 */

export interface CpuProfileCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CpuProfileCallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs, monotonic. */
  startTime: number;
  endTime: number;
  /** Node id of each sample, in order. */
  samples?: number[];
  /** µs between consecutive samples. */
  timeDeltas?: number[];
}

export interface CpuProfileOptions {
  durationMs: number;
  /** Sampling interval, µs (V8's default is 1000). */
  samplingIntervalUs?: number;
  /** Stops early (the client went away); the partial profile is still returned. */
  signal?: AbortSignal;
}

export async function recordCpuProfile(options: CpuProfileOptions): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    if (options.samplingIntervalUs !== undefined) await session.post('Profiler.setSamplingInterval', { interval: options.samplingIntervalUs });
    await session.post('Profiler.start');
    await waitFor(options.durationMs, options.signal);
    const { profile } = await session.post('Profiler.stop');
    return profile as CpuProfile;
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
