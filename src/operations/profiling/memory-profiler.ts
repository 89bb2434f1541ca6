import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import v8 from 'node:v8';
import { every, waitFor } from './wait.js';

/**
 * Memory over a span: heap statistics before and after, a timeline of `process.memoryUsage()`,
 * garbage collections by kind, and V8's sampling heap profiler (`HeapProfiler.startSampling`),
 * summarised as the allocation sites that allocated the most. A full heap snapshot is separate
 * (`heapSnapshot()`): it pauses the process while V8 walks the heap, so it is only taken on request.
 */

export interface MemoryReading {
  /** ms since the epoch. */
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
}

export interface AllocationSite {
  functionName: string;
  /** `url:line` (1-based), or the V8 pseudo-frame name. */
  location: string;
  /** Bytes of sampled allocations still live at the end, attributed to this frame itself. */
  selfBytes: number;
  /** Share of all sampled live bytes, 0–1. */
  share: number;
}

export interface SamplingHeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId: string };
  selfSize: number;
  id: number;
  children: SamplingHeapProfileNode[];
}

export interface MemoryProfile {
  kind: 'memory';
  startedAt: number;
  durationMs: number;
  before: { usage: MemoryReading; heap: v8.HeapInfo };
  after: { usage: MemoryReading; heap: v8.HeapInfo };
  /** after − before, bytes. */
  delta: { rssBytes: number; heapUsedBytes: number; externalBytes: number };
  heapSpaces: v8.HeapSpaceInfo[];
  timeline: MemoryReading[];
  gc: { count: number; totalPauseMs: number; byKind: Record<string, { count: number; pauseMs: number }> };
  /** Top allocation sites by sampled bytes allocated during the span (objects since collected included). */
  topAllocations: AllocationSite[];
  samplingIntervalBytes: number;
  /** The raw sampling profile (Chrome DevTools `.heapprofile` format) when asked for. */
  samplingProfile?: { head: SamplingHeapProfileNode };
}

export interface MemoryProfileOptions {
  durationMs: number;
  /** Average bytes between samples (V8's default 32 KiB). */
  samplingIntervalBytes?: number;
  includeSamplingProfile?: boolean;
  signal?: AbortSignal;
  /** How many allocation sites to list (default 25). */
  top?: number;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak_callbacks',
};

function reading(): MemoryReading {
  const usage = process.memoryUsage();
  return {
    at: Date.now(),
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
  };
}

export async function recordMemoryProfile(options: MemoryProfileOptions): Promise<MemoryProfile> {
  const samplingIntervalBytes = options.samplingIntervalBytes ?? 32_768;
  const startedAt = Date.now();
  const started = performance.now();
  const before = { usage: reading(), heap: v8.getHeapStatistics() };
  const timeline: MemoryReading[] = [];
  const gc: MemoryProfile['gc'] = { count: 0, totalPauseMs: 0, byKind: {} };
  const count = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = GC_KINDS[((entry as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
      const slot = (gc.byKind[kind] ??= { count: 0, pauseMs: 0 });
      slot.count += 1;
      slot.pauseMs += entry.duration;
      gc.count += 1;
      gc.totalPauseMs += entry.duration;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const stopSampling = every(Math.max(100, Math.round(options.durationMs / 20)), () => timeline.push(reading()));
  const session = new Session();
  session.connect();
  let head: SamplingHeapProfileNode | undefined;
  try {
    await session.post('HeapProfiler.enable');
    // Every allocation of the span counts, collected ones too: the sites that allocated the most
    // (a quiet server may keep none of the few objects a short span samples alive to its end).
    await session.post('HeapProfiler.startSampling', { samplingInterval: samplingIntervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await waitFor(options.durationMs, options.signal);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    head = (profile as unknown as { head: SamplingHeapProfileNode }).head;
  } finally {
    stopSampling();
    // Entries are delivered asynchronously: take the ones not yet handed to the callback.
    count(observer.takeRecords());
    observer.disconnect();
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
  const after = { usage: reading(), heap: v8.getHeapStatistics() };
  timeline.push(after.usage);
  return {
    kind: 'memory',
    startedAt,
    durationMs: performance.now() - started,
    before,
    after,
    delta: {
      rssBytes: after.usage.rssBytes - before.usage.rssBytes,
      heapUsedBytes: after.usage.heapUsedBytes - before.usage.heapUsedBytes,
      externalBytes: after.usage.externalBytes - before.usage.externalBytes,
    },
    heapSpaces: v8.getHeapSpaceStatistics(),
    timeline,
    gc,
    topAllocations: head ? topAllocationSites(head, options.top ?? 25) : [],
    samplingIntervalBytes,
    ...(options.includeSamplingProfile && head ? { samplingProfile: { head } } : {}),
  };
}

/** Sums self sizes per frame over the whole tree and lists the largest. */
export function topAllocationSites(head: SamplingHeapProfileNode, top: number): AllocationSite[] {
  const sites = new Map<string, AllocationSite>();
  let total = 0;
  const stack: SamplingHeapProfileNode[] = [head];
  while (stack.length > 0) {
    const node = stack.pop()!;
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    total += node.selfSize;
    const frame = node.callFrame;
    const location = frame.url ? `${frame.url}:${frame.lineNumber + 1}` : frame.functionName || '(native)';
    const key = `${frame.functionName}\u0000${location}`;
    const site = sites.get(key);
    if (site) site.selfBytes += node.selfSize;
    else sites.set(key, { functionName: frame.functionName || '(anonymous)', location, selfBytes: node.selfSize, share: 0 });
  }
  return [...sites.values()]
    .sort((a, b) => b.selfBytes - a.selfBytes)
    .slice(0, top)
    .map((site) => ({ ...site, share: total > 0 ? site.selfBytes / total : 0 }));
}

/**
 * A full V8 heap snapshot as a stream (`.heapsnapshot` JSON, open it in Chrome DevTools). The
 * process pauses while V8 serialises the heap — seconds for a large heap.
 */
export function heapSnapshot(): Readable {
  return v8.getHeapSnapshot();
}
