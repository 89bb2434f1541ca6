import { readNetDev, readProcessIo, type InterfaceIo, type ProcessIo } from '../../infrastructure/metrics/proc-io.js';
import { every, waitFor } from './wait.js';

/**
 * Disk and network I/O over a span from Linux procfs: `/proc/self/io` (this process's bytes
 * through read/write syscalls, and what reached storage) and `/proc/net/dev` (per interface of
 * the network namespace — the container's traffic in a container). Elsewhere the sections are
 * reported as unavailable rather than as zeros.
 */

export interface DiskIoSummary {
  available: boolean;
  /** after − before. */
  delta?: ProcessIo;
  /** Bytes per second over the span. */
  rates?: { readBytesPerSecond: number; writtenBytesPerSecond: number; readCharsPerSecond: number; writtenCharsPerSecond: number };
  /** `process.resourceUsage()` file-system operations during the span. */
  fsReads: number;
  fsWrites: number;
}

export interface NetworkIoSummary {
  available: boolean;
  interfaces: (InterfaceIo & { receivedBytesPerSecond: number; transmittedBytesPerSecond: number })[];
}

export interface IoTimelinePoint {
  at: number;
  readChars?: number;
  writtenChars?: number;
  receivedBytes?: number;
  transmittedBytes?: number;
}

export interface IoProfile {
  kind: 'io';
  startedAt: number;
  durationMs: number;
  disk?: DiskIoSummary;
  network?: NetworkIoSummary;
  /** Cumulative counters as sampled (for a chart); network sums every interface. */
  timeline: IoTimelinePoint[];
}

export interface IoProfileOptions {
  durationMs: number;
  includeDisk: boolean;
  includeNetwork: boolean;
  signal?: AbortSignal;
  /** procfs paths (tests). */
  paths?: { processIo?: string; netDev?: string };
}

const subtractProcessIo = (after: ProcessIo, before: ProcessIo): ProcessIo => ({
  readChars: after.readChars - before.readChars,
  writtenChars: after.writtenChars - before.writtenChars,
  readBytes: after.readBytes - before.readBytes,
  writtenBytes: after.writtenBytes - before.writtenBytes,
  readSyscalls: after.readSyscalls - before.readSyscalls,
  writeSyscalls: after.writeSyscalls - before.writeSyscalls,
});

export async function recordIoProfile(options: IoProfileOptions): Promise<IoProfile> {
  const readIo = () => readProcessIo(options.paths?.processIo);
  const readNet = () => readNetDev(options.paths?.netDev);
  const startedAt = Date.now();
  const started = performance.now();
  const usageBefore = process.resourceUsage();
  const ioBefore = options.includeDisk ? readIo() : undefined;
  const netBefore = options.includeNetwork ? readNet() : undefined;
  const timeline: IoTimelinePoint[] = [];
  const sample = () => {
    const point: IoTimelinePoint = { at: Date.now() };
    if (options.includeDisk) {
      const io = readIo();
      if (io) Object.assign(point, { readChars: io.readChars, writtenChars: io.writtenChars });
    }
    if (options.includeNetwork) {
      const net = readNet();
      if (net) Object.assign(point, { receivedBytes: sum(net, 'receivedBytes'), transmittedBytes: sum(net, 'transmittedBytes') });
    }
    timeline.push(point);
  };
  const stop = every(Math.max(100, Math.round(options.durationMs / 30)), sample);
  await waitFor(options.durationMs, options.signal);
  stop();
  sample();
  const seconds = Math.max(0.001, (performance.now() - started) / 1000);
  const usageAfter = process.resourceUsage();
  const profile: IoProfile = { kind: 'io', startedAt, durationMs: seconds * 1000, timeline };

  if (options.includeDisk) {
    const ioAfter = readIo();
    const disk: DiskIoSummary = { available: Boolean(ioBefore && ioAfter), fsReads: usageAfter.fsRead - usageBefore.fsRead, fsWrites: usageAfter.fsWrite - usageBefore.fsWrite };
    if (ioBefore && ioAfter) {
      const delta = subtractProcessIo(ioAfter, ioBefore);
      disk.delta = delta;
      disk.rates = {
        readBytesPerSecond: delta.readBytes / seconds,
        writtenBytesPerSecond: delta.writtenBytes / seconds,
        readCharsPerSecond: delta.readChars / seconds,
        writtenCharsPerSecond: delta.writtenChars / seconds,
      };
    }
    profile.disk = disk;
  }
  if (options.includeNetwork) {
    const netAfter = readNet();
    const network: NetworkIoSummary = { available: Boolean(netBefore && netAfter), interfaces: [] };
    if (netBefore && netAfter) {
      for (const after of netAfter) {
        const before = netBefore.find((entry) => entry.name === after.name);
        if (!before) continue;
        const receivedBytes = after.receivedBytes - before.receivedBytes;
        const transmittedBytes = after.transmittedBytes - before.transmittedBytes;
        network.interfaces.push({
          name: after.name,
          receivedBytes,
          transmittedBytes,
          receivedPackets: after.receivedPackets - before.receivedPackets,
          transmittedPackets: after.transmittedPackets - before.transmittedPackets,
          receivedBytesPerSecond: receivedBytes / seconds,
          transmittedBytesPerSecond: transmittedBytes / seconds,
        });
      }
    }
    profile.network = network;
  }
  return profile;
}

function sum(interfaces: InterfaceIo[], field: 'receivedBytes' | 'transmittedBytes'): number {
  return interfaces.reduce((total, entry) => total + entry[field], 0);
}
