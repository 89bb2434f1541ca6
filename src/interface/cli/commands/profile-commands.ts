import { writeFileSync } from 'node:fs';
import { newTable } from '../table.js';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { CpuProfileResult, ProfileKind } from '../../../operations/profiling/profiling-service.js';
import type { DatabaseProfile } from '../../../operations/profiling/database-profiler.js';
import type { IoProfile } from '../../../operations/profiling/io-profiler.js';
import type { MemoryProfile } from '../../../operations/profiling/memory-profiler.js';
import type { ProviderProfile } from '../../../operations/profiling/provider-tracer.js';
import type { CliContext } from '../cli-context.js';
import { formatBytes as bytes, formatMs as ms, formatUsd as usd, parseDuration, postJson, postToFile, serverOptionsOf, withServerOptions, type ServerOptions } from './server-client.js';

/**
 * `fortitude profile cpu | memory | io | database | providers`: the running server records the
 * profile for `--duration` (its own process — one worker with `--workers N`) and sends it back;
 * this side writes the file(s) and prints a summary. Durations are bounded to 10 minutes.
 */

const MAX_DURATION_MS = 600_000;
const plainTable = (head: string[]) => newTable({ head, style: { head: [], border: [] } });

interface CommonOptions {
  duration: string;
  output?: string;
  json?: boolean;
  url?: string;
  apiKey?: string;
}

export function registerProfileCommands(program: Command, context: CliContext): void {
  const profile = program.command('profile').description('profile a running server: cpu, memory, io, database, providers');
  const command = (name: ProfileKind, description: string, defaultDuration: string) =>
    withServerOptions(
      profile
        .command(name)
        .description(description)
        .option('--duration <seconds>', 'how long to record, e.g. 30, 90s, 5m (at most 10 min)', defaultDuration)
        .option('--json', 'print the summary as JSON'),
      context,
    );

  command('cpu', 'CPU profile (.cpuprofile for DevTools/speedscope) and, with --flame-graph, an SVG flame graph', '30')
    .option('--flame-graph', 'render a flame graph SVG (the .cpuprofile is written next to it)')
    .option('--output <file>', 'output file (default cpu-profile.svg with --flame-graph, else cpu-profile.cpuprofile)')
    .option('--sampling-interval <us>', 'sampling interval in microseconds (default 1000)')
    .action(async (options: CommonOptions & { flameGraph?: boolean; samplingInterval?: string }) => {
      const server = serverOptionsOf(options);
      const durationMs = duration(options);
      const flame = options.flameGraph === true || options.output?.endsWith('.svg') === true;
      const output = options.output ?? (flame ? 'cpu-profile.svg' : 'cpu-profile.cpuprofile');
      const result = await recording(context, 'CPU profile', durationMs, server, () =>
        postJson<CpuProfileResult & { process: ProfiledProcess }>(server, '/api/admin/profile/cpu', {
          duration_ms: durationMs,
          sampling_interval_us: options.samplingInterval === undefined ? undefined : wholeNumber(options.samplingInterval, '--sampling-interval'),
        }),
      );
      const { renderFlameGraph, topFunctions } = await import('../../../operations/profiling/flame-graph.js');
      const rawPath = output.endsWith('.cpuprofile') ? output : `${output.replace(/\.svg$/, '')}.cpuprofile`;
      writeFileSync(rawPath, JSON.stringify(result.profile));
      const written = [rawPath];
      if (flame) {
        const svgPath = output.endsWith('.svg') ? output : `${output.replace(/\.cpuprofile$/, '')}.svg`;
        writeFileSync(svgPath, renderFlameGraph(result.profile, { title: `Fortitude CPU — pid ${result.process.pid}${result.process.workerId ? ` (worker ${result.process.workerId})` : ''}, ${(result.durationMs / 1000).toFixed(1)} s` }));
        written.unshift(svgPath);
      }
      const top = topFunctions(result.profile, 15);
      if (options.json) return context.out(JSON.stringify({ files: written, process: result.process, durationMs: result.durationMs, topFunctions: top }, null, 2));
      const table = plainTable(['self %', 'self ms', 'function', 'location']);
      for (const entry of top) table.push([`${(entry.selfShare * 100).toFixed(1)}%`, entry.selfMs.toFixed(1), entry.name, shorten(entry.location)]);
      context.out([`wrote ${written.join(' and ')}`, `CPU profile of ${which(result.process)}, ${(result.durationMs / 1000).toFixed(1)} s; hottest functions (self time, idle excluded):`, top.length > 0 ? table.toString() : '  no samples: the server was idle'].join('\n'));
    });

  command('memory', 'heap statistics, memory timeline, GC and top allocation sites; --heap-dump adds a V8 heap snapshot', '30')
    .option('--heap-dump', 'also write a full V8 heap snapshot (<output>.heapsnapshot; pauses the server while written)')
    .option('--output <file>', 'output file', 'memory-profile.json')
    .action(async (options: CommonOptions & { heapDump?: boolean; output: string }) => {
      const server = serverOptionsOf(options);
      const durationMs = duration(options);
      const heapDump = options.heapDump === true;
      // `heap_snapshot`: a server with heap snapshots off refuses at once, before the recording.
      const result = await recording(context, 'memory profile', durationMs, server, () =>
        postJson<MemoryProfile & { process: ProfiledProcess }>(server, '/api/admin/profile/memory', { duration_ms: durationMs, sampling_profile: heapDump, heap_snapshot: heapDump }),
      );
      const written = [options.output];
      let snapshotBytes: number | undefined;
      if (heapDump) {
        const snapshotPath = `${options.output.replace(/\.json$/, '')}.heapsnapshot`;
        const spinner = await progress(context, 'writing the heap snapshot');
        try {
          snapshotBytes = await postToFile(server, '/api/admin/profile/heap-snapshot', snapshotPath);
        } catch (error) {
          // The recording took the whole --duration: keep it even when the snapshot fails.
          writeFileSync(options.output, JSON.stringify(result, null, 2));
          context.err(`wrote ${options.output} (the memory profile, without the heap snapshot)`);
          throw error;
        } finally {
          spinner.stop();
        }
        written.push(snapshotPath);
      }
      writeFileSync(options.output, JSON.stringify({ ...result, ...(snapshotBytes === undefined ? {} : { heapSnapshot: { file: written[1], bytes: snapshotBytes } }) }, null, 2));
      if (options.json) return context.out(JSON.stringify({ files: written, delta: result.delta, gc: result.gc, topAllocations: result.topAllocations.slice(0, 10) }, null, 2));
      const table = plainTable(['share', 'bytes', 'function', 'location']);
      for (const site of result.topAllocations.slice(0, 12)) table.push([`${(site.share * 100).toFixed(1)}%`, bytes(site.selfBytes), site.functionName, shorten(site.location)]);
      context.out(
        [
          `wrote ${written.join(' and ')}${snapshotBytes === undefined ? '' : ` (${bytes(snapshotBytes)})`}`,
          `${which(result.process)}, ${(result.durationMs / 1000).toFixed(1)} s: rss ${bytes(result.before.usage.rssBytes)} → ${bytes(result.after.usage.rssBytes)} · heap used ${bytes(result.before.usage.heapUsedBytes)} → ${bytes(result.after.usage.heapUsedBytes)} (limit ${bytes(result.after.heap.heap_size_limit)})`,
          `GC: ${result.gc.count} collections, ${result.gc.totalPauseMs.toFixed(1)} ms paused (${Object.entries(result.gc.byKind).map(([kind, entry]) => `${kind} ${entry.count}`).join(', ') || 'none'})`,
          'Top allocation sites (sampled, still live at the end):',
          result.topAllocations.length > 0 ? table.toString() : '  none sampled',
        ].join('\n'),
      );
    });

  command('io', 'disk and network I/O of the server over the span (Linux /proc)', '30')
    .option('--include-disk', 'disk I/O (/proc/self/io); with neither flag both are included')
    .option('--include-network', 'network I/O (/proc/net/dev)')
    .option('--output <file>', 'output file', 'io-profile.json')
    .action(async (options: CommonOptions & { includeDisk?: boolean; includeNetwork?: boolean; output: string }) => {
      const server = serverOptionsOf(options);
      const durationMs = duration(options);
      const neither = !options.includeDisk && !options.includeNetwork;
      const result = await recording(context, 'I/O profile', durationMs, server, () =>
        postJson<IoProfile & { process: ProfiledProcess }>(server, '/api/admin/profile/io', {
          duration_ms: durationMs,
          include_disk: neither || options.includeDisk === true,
          include_network: neither || options.includeNetwork === true,
        }),
      );
      writeFileSync(options.output, JSON.stringify(result, null, 2));
      if (options.json) return context.out(JSON.stringify({ file: options.output, disk: result.disk, network: result.network }, null, 2));
      const lines = [`wrote ${options.output}`, `${which(result.process)}, ${(result.durationMs / 1000).toFixed(1)} s`];
      if (result.disk) {
        const disk = result.disk;
        lines.push(
          disk.available && disk.delta && disk.rates
            ? `disk: read ${bytes(disk.delta.readBytes)} (${bytes(Math.round(disk.rates.readBytesPerSecond))}/s), written ${bytes(disk.delta.writtenBytes)} (${bytes(Math.round(disk.rates.writtenBytesPerSecond))}/s) to storage; ` +
                `${bytes(disk.delta.readChars)} read / ${bytes(disk.delta.writtenChars)} written through syscalls (${disk.delta.readSyscalls} reads, ${disk.delta.writeSyscalls} writes); ${disk.fsReads} fs reads, ${disk.fsWrites} fs writes`
            : 'disk: /proc/self/io is not readable here',
        );
      }
      if (result.network) {
        if (!result.network.available) lines.push('network: /proc/net/dev is not readable here');
        else {
          const table = plainTable(['interface', 'received', 'sent', 'rx/s', 'tx/s', 'packets in/out']);
          for (const entry of result.network.interfaces) table.push([entry.name, bytes(entry.receivedBytes), bytes(entry.transmittedBytes), bytes(Math.round(entry.receivedBytesPerSecond)), bytes(Math.round(entry.transmittedBytesPerSecond)), `${entry.receivedPackets}/${entry.transmittedPackets}`]);
          lines.push('network (per interface of the network namespace, not only this process):', table.toString());
        }
      }
      context.out(lines.join('\n'));
    });

  command('database', 'storage queries timed per repository call and per SQL statement; --slow-queries lists those above --min-duration with their SQL', '60')
    .option('--slow-queries', 'list the slow repository calls and the SQL of the slow statements (placeholders, never parameter values)')
    .option('--explain', 'with each slow statement, its plan (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN without ANALYZE); implies --slow-queries')
    .option('--min-duration <duration>', 'slow-query threshold, e.g. 100ms or 1s', '100ms')
    .option('--output <file>', 'output file', 'database-profile.json')
    .action(async (options: CommonOptions & { slowQueries?: boolean; explain?: boolean; minDuration: string; output: string }) => {
      const server = serverOptionsOf(options);
      const durationMs = duration(options);
      const minDurationMs = parseDuration(options.minDuration, '--min-duration', 'ms');
      const explain = options.explain === true;
      const listSlow = options.slowQueries === true || explain;
      const result = await recording(context, 'database profile', durationMs, server, () =>
        postJson<DatabaseProfile & { process: ProfiledProcess }>(server, '/api/admin/profile/database', { duration_ms: durationMs, min_duration_ms: Math.round(minDurationMs), explain }),
      );
      writeFileSync(options.output, JSON.stringify(result, null, 2));
      if (options.json) {
        return context.out(
          JSON.stringify(
            {
              file: options.output,
              process: result.process,
              workersProfiled: result.workersProfiled,
              totalQueries: result.totalQueries,
              totalStatements: result.totalStatements,
              operations: result.operations,
              slowCount: result.slowCount,
              slowQueries: listSlow ? result.slowQueries : undefined,
              slowStatements: listSlow ? result.slowStatements : undefined,
            },
            null,
            2,
          ),
        );
      }
      const table = plainTable(['operation', 'calls', 'errors', 'mean', 'p50', 'p95', 'max', 'total']);
      for (const entry of result.operations) table.push([entry.operation, entry.count, entry.errors, ms(entry.mean), ms(entry.p50), ms(entry.p95), ms(entry.max), ms(entry.totalMs)]);
      const lines = [
        `wrote ${options.output}`,
        `${result.dialect} · ${which(result.process)} · ${result.totalQueries} queries in ${(result.durationMs / 1000).toFixed(1)} s · ${result.slowCount} at or above ${ms(result.minDurationMs)}`,
        result.operations.length > 0 ? table.toString() : 'no storage queries ran during the span',
      ];
      if (listSlow) {
        lines.push(`Slow queries, per repository call (≥ ${ms(result.minDurationMs)}):`);
        if (result.slowQueries.length === 0) lines.push('  none');
        for (const query of result.slowQueries.slice(0, 50)) {
          lines.push(`  ${new Date(query.at).toISOString().slice(11, 23)} ${ms(query.durationMs).padStart(10)} ${query.name}${query.ok ? '' : ' (failed)'}${query.workerId === undefined ? '' : ` (worker ${query.workerId})`}`);
        }
        const statements = result.slowStatements;
        if (statements === undefined) lines.push('Slow statements: this server does not report SQL text');
        else {
          lines.push(`Slow statements (SQL as sent, parameters not shown; ${result.totalStatements ?? 0} statements ran; full text in ${options.output}):`);
          if (statements.length === 0) lines.push('  none');
          for (const statement of statements.slice(0, 20)) {
            const failed = statement.failed > 0 ? ` · ${statement.failed} failed` : '';
            lines.push(`  ${ms(statement.maxMs).padStart(10)} max · ${statement.count}× · ${ms(statement.totalMs)} total${failed}`, `    ${shortSql(statement.sql)}`);
            if (statement.plan !== undefined && statement.plan.length === 0) lines.push('    plan: no steps (the statement reads no table)');
            else if (statement.plan !== undefined) lines.push('    plan:', ...statement.plan.map((line) => `      ${line}`));
            else if (statement.planError !== undefined) lines.push(`    plan: not available (${statement.planError})`);
            else if (explain) lines.push('    plan: not asked (only the slowest statements are explained)');
          }
        }
      }
      context.out(lines.join('\n'));
    });

  command('providers', 'per-provider tries, retries, errors and latency; --trace-requests lists each request’s attempts', '60')
    .option('--include-network', 'connection-pool state and interface byte counts')
    .option('--trace-requests', 'record every request’s attempts (in the output file; the last 20 printed)')
    .option('--output <file>', 'output file', 'provider-profile.json')
    .action(async (options: CommonOptions & { includeNetwork?: boolean; traceRequests?: boolean; output: string }) => {
      const server = serverOptionsOf(options);
      const durationMs = duration(options);
      const result = await recording(context, 'provider trace', durationMs, server, () =>
        postJson<ProviderProfile & { process: ProfiledProcess }>(server, '/api/admin/profile/providers', {
          duration_ms: durationMs,
          include_network: options.includeNetwork === true,
          trace_requests: options.traceRequests === true,
        }),
      );
      writeFileSync(options.output, JSON.stringify(result, null, 2));
      if (options.json) return context.out(JSON.stringify({ file: options.output, summary: result.summary, traceCount: result.traceCount }, null, 2));
      const table = plainTable(['provider', 'tries', 'failed', 'retries', 'calls', 'answered', 'try p50', 'try p95', 'call p95', 'cost', 'errors']);
      for (const entry of result.summary) {
        table.push([
          entry.provider,
          entry.tries,
          entry.failedTries,
          entry.retries,
          entry.calls,
          entry.answered,
          ms(entry.tryLatency.p50),
          ms(entry.tryLatency.p95),
          ms(entry.callLatency.p95),
          usd(entry.costUsd),
          Object.entries(entry.errorsByClass).map(([kind, count]) => `${kind} ${count}`).join(', ') || '—',
        ]);
      }
      const lines = [`wrote ${options.output}`, `${which(result.process)} · ${result.traceCount} requests reached providers in ${(result.durationMs / 1000).toFixed(1)} s`, result.summary.length > 0 ? table.toString() : 'no provider calls during the span'];
      if (result.traces) {
        lines.push('Recent requests (attempts in order):');
        for (const trace of result.traces.slice(-20)) {
          lines.push(`  ${new Date(trace.at).toISOString().slice(11, 23)} ${trace.status.padEnd(6)} ${ms(trace.latencyMs).padStart(9)} ${trace.attempts.map((attempt) => `${attempt.provider}:${attempt.status}${attempt.errorClass ? `(${attempt.errorClass})` : ''}`).join(' → ')}`);
        }
      }
      if (result.network?.interfaces) lines.push(`network: ${result.network.interfaces.map((entry) => `${entry.name} rx ${bytes(entry.receivedBytes)} tx ${bytes(entry.transmittedBytes)}`).join(' · ')}`);
      context.out(lines.join('\n'));
    });
}

function duration(options: { duration: string }): number {
  const ms = parseDuration(options.duration, '--duration');
  if (ms < 100 || ms > MAX_DURATION_MS) throw new FortitudeError('bad_request', `--duration: expected 0.1 s to 10 min (got "${options.duration}")`);
  return ms;
}

function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new FortitudeError('bad_request', `${flag}: expected a whole number (got "${text}")`);
  return value;
}

function shorten(location: string): string {
  const cut = location.lastIndexOf('/src/');
  const modules = location.lastIndexOf('/node_modules/');
  if (modules >= 0) return location.slice(modules + 1);
  return cut >= 0 ? location.slice(cut + 1) : location;
}

/** A spinner on a terminal; one plain line on stderr otherwise. */
async function progress(context: CliContext, text: string): Promise<{ update(text: string): void; stop(): void }> {
  if (!context.isTty) {
    context.err(`${text}…`);
    return { update() {}, stop() {} };
  }
  const { default: ora } = await import('ora'); // only on a terminal: most commands never draw a spinner
  const spinner = ora({ text, stream: process.stderr }).start();
  return { update: (next) => void (spinner.text = next), stop: () => void spinner.stop() };
}

async function recording<T>(context: CliContext, what: string, durationMs: number, server: ServerOptions, work: () => Promise<T>): Promise<T> {
  const seconds = Math.round(durationMs / 100) / 10;
  const indicator = await progress(context, `recording a ${seconds} s ${what} on ${server.url}`);
  const started = Date.now();
  const ticker = setInterval(() => indicator.update(`recording a ${seconds} s ${what} on ${server.url} — ${Math.min(seconds, Math.round((Date.now() - started) / 1000))} s`), 1000);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
    indicator.stop();
  }
}

interface ProfiledProcess {
  pid: number;
  workerId?: number;
  workers?: number;
  /** Set when the profile is merged over the workers (database). */
  profiledWorkers?: number;
}

/** Which process a profile describes: all workers (database), else with several workers the one that answered. */
function which(process: ProfiledProcess): string {
  if (process.profiledWorkers !== undefined && (process.workers ?? 1) > 1) {
    return process.profiledWorkers === process.workers ? `all ${process.workers} workers` : `${process.profiledWorkers} of ${process.workers} workers (the others did not answer in time)`;
  }
  if (process.workerId === undefined) return `pid ${process.pid}`;
  const of = process.workers && process.workers > 1 ? ` of ${process.workers}; the others were not profiled — run again to reach another` : '';
  return `pid ${process.pid} (worker ${process.workerId}${of})`;
}

/** One line of SQL for the terminal: whitespace collapsed, long texts (multi-row inserts) cut. */
function shortSql(text: string, max = 400): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} characters)`;
}
