import { Counter, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import { flag } from './metrics-options.js';
import type { MetricsComponents } from './metrics-options.js';
import { readNetDev, readProcessIo } from './proc-io.js';
import type { LabelGuard } from './label-guard.js';

/**
 * Infrastructure metrics: prom-client's default process metrics (CPU, memory, event-loop lag,
 * GC, handles) under our prefix, pruned by the `infrastructure` flags, plus disk and network I/O
 * read from procfs when `/metrics` is scraped.
 */

/** Default-metric name fragments owned by each flag (the rest — fds, handles, version — stay). */
const CPU_METRICS = ['process_cpu_', 'nodejs_eventloop_lag_', 'nodejs_gc_duration_seconds'];
const MEMORY_METRICS = ['process_resident_memory_bytes', 'process_virtual_memory_bytes', 'process_heap_bytes', 'nodejs_heap_', 'nodejs_external_memory_bytes'];

/** Reads procfs at most once per `ttlMs`, so one scrape reads each file once. */
function memo<T>(read: () => T, ttlMs = 500): () => T {
  let at = -Infinity;
  let value: T;
  return () => {
    const time = performance.now();
    if (time - at > ttlMs) {
      value = read();
      at = time;
    }
    return value;
  };
}

export function registerSystemMetrics(registry: Registry, prefix: string, components: MetricsComponents | undefined, guard: LabelGuard): void {
  const cpu = flag(components, 'infrastructure', 'cpu_usage');
  const memory = flag(components, 'infrastructure', 'memory_usage');
  if (cpu || memory) {
    collectDefaultMetrics({ register: registry, prefix });
    const dropped = [...(cpu ? [] : CPU_METRICS), ...(memory ? [] : MEMORY_METRICS)];
    for (const metric of registry.getMetricsAsArray()) {
      const name = metric.name.slice(prefix.length);
      if (dropped.some((fragment) => name.startsWith(fragment))) registry.removeSingleMetric(metric.name);
    }
  }

  const registers = [registry];
  if (flag(components, 'infrastructure', 'disk_io') && readProcessIo()) {
    const io = memo(readProcessIo);
    const processCounter = (name: string, help: string, pick: (value: NonNullable<ReturnType<typeof readProcessIo>>) => number) =>
      new Counter({
        name: prefix + name,
        help,
        registers,
        collect() {
          const value = io();
          if (!value) return;
          this.reset();
          this.inc(pick(value));
        },
      });
    processCounter('process_disk_read_bytes_total', 'Bytes this process read from storage (/proc/self/io read_bytes)', (value) => value.readBytes);
    processCounter('process_disk_written_bytes_total', 'Bytes this process wrote to storage (/proc/self/io write_bytes)', (value) => value.writtenBytes);
    processCounter('process_io_read_chars_total', 'Bytes through read syscalls, files and sockets (/proc/self/io rchar)', (value) => value.readChars);
    processCounter('process_io_written_chars_total', 'Bytes through write syscalls, files and sockets (/proc/self/io wchar)', (value) => value.writtenChars);
  }

  if (flag(components, 'infrastructure', 'network_io') && readNetDev()) {
    const net = memo(readNetDev);
    const interfaceCounter = (name: string, help: string, pick: (value: NonNullable<ReturnType<typeof readNetDev>>[number]) => number) =>
      new Counter<'interface'>({
        name: prefix + name,
        help,
        labelNames: ['interface'],
        registers,
        // Namespace-wide, identical in every worker: aggregate with max, not sum.
        aggregator: 'max',
        collect() {
          const interfaces = net();
          if (!interfaces) return;
          this.reset();
          for (const entry of interfaces) this.inc({ interface: guard.fold('interface', entry.name) }, pick(entry));
        },
      });
    interfaceCounter('network_receive_bytes_total', 'Bytes received per interface in this network namespace (/proc/net/dev)', (value) => value.receivedBytes);
    interfaceCounter('network_transmit_bytes_total', 'Bytes sent per interface in this network namespace (/proc/net/dev)', (value) => value.transmittedBytes);
  }
}
