/**
 * Child process for bench/metrics-overhead.ts: a minimal node:http handler, with or without the
 * per-request metric recording the HTTP layer does (concurrent gauge, API duration histogram,
 * request/error counters, rolling window). Reports its port, then CPU time on request, over IPC.
 *
 * `metrics-timed` also times its own recording work (both clock reads, the gauge, the
 * observation) on every 16th request, minus the measured cost of the timing itself, so the
 * cost can be read in place, under the same load and cache pressure as the real requests.
 *
 *   node --import tsx bench/metrics-overhead-server.ts baseline|metrics|metrics-timed
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../src/infrastructure/metrics/create-metrics.js';

const mode = process.argv[2] ?? 'baseline';
const BODY = Buffer.from('{"ok":true}');
const HEADERS = { 'content-type': 'application/json', 'content-length': String(BODY.length) };
let served = 0;
const TIMED_EVERY = mode === 'metrics-timed' ? 16 : Number.POSITIVE_INFINITY;
/** Timed recording costs and clock-read costs, ns, rings of the latest samples. */
const samples = new Float64Array(65_536);
const clockSamples = new Float64Array(65_536);
let timedRequests = 0;

const metrics = mode !== 'baseline' ? createMetrics({ window: { bucketMs: 10_000, windowMs: 3_600_000 } }) : undefined;

const server =
  metrics === undefined
    ? createServer((request, response) => {
        served++;
        response.writeHead(200, HEADERS).end(BODY);
      })
    : createServer((request, response) => {
        served++;
        if (served % TIMED_EVERY !== 0) {
          const started = performance.now();
          metrics.apiConcurrent.inc();
          response.writeHead(200, HEADERS).end(BODY);
          metrics.apiConcurrent.dec();
          metrics.observeApiRequest({ route: '/bench', method: request.method ?? 'GET', status: 200, durationMs: performance.now() - started });
          return;
        }
        // The same work, timed: the clock read's own cost (two back-to-back reads), then the
        // recording sections without the request's two clock reads, less one read each.
        const clockStart = performance.now();
        const clockEnd = performance.now();
        const clockNs = (clockEnd - clockStart) * 1e6;
        const started = performance.now();
        const incStart = performance.now();
        metrics.apiConcurrent.inc();
        const incEnd = performance.now();
        response.writeHead(200, HEADERS).end(BODY);
        const durationMs = performance.now() - started;
        const recordStart = performance.now();
        metrics.apiConcurrent.dec();
        metrics.observeApiRequest({ route: '/bench', method: request.method ?? 'GET', status: 200, durationMs });
        const recordEnd = performance.now();
        const at = timedRequests++ % samples.length;
        samples[at] = (incEnd - incStart + (recordEnd - recordStart)) * 1e6 - 2 * clockNs;
        clockSamples[at] = clockNs;
      });
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

/**
 * Median and 99 %-trimmed mean of the timed samples: a section that happens to be preempted by
 * another process (a millisecond on a loaded machine) says nothing about the recording's cost.
 */
function recordingStats(): { medianNs: number; trimmedMeanNs: number; clockMedianNs: number; samples: number } {
  const count = Math.min(timedRequests, samples.length);
  if (count === 0) return { medianNs: 0, trimmedMeanNs: 0, clockMedianNs: 0, samples: 0 };
  const sorted = samples.slice(0, count).sort();
  const kept = sorted.subarray(0, Math.max(1, Math.floor(count * 0.99)));
  return {
    medianNs: sorted[Math.floor(count / 2)]!,
    trimmedMeanNs: kept.reduce((a, b) => a + b, 0) / kept.length,
    clockMedianNs: clockSamples.slice(0, count).sort()[Math.floor(count / 2)]!,
    samples: count,
  };
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    process.send?.({ cpuMicros: cpu.user + cpu.system, served, recording: recordingStats() });
  } else if (message.type === 'scrape') {
    // One scrape so the benchmark can show the metrics really were recorded.
    void (metrics?.render() ?? Promise.resolve({ body: '' })).then(({ body }) => {
      const line = body.split('\n').find((candidate) => candidate.startsWith('fortitude_api_requests_total{'));
      process.send?.({ requestsTotal: line ? Number(line.split(' ').at(-1)) : 0, windowRequests: metrics?.snapshot().api.requests ?? 0 });
    });
  } else if (message.type === 'exit') {
    metrics?.close();
    process.exit(0);
  }
});
