import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/infrastructure/metrics/metrics-snapshot.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-app.ts', import.meta.url));
const REQUESTS = 40;

let child: ChildProcessWithoutNullStreams;
let port: number;
const lines: Record<string, unknown>[] = [];

/** One request on a fresh connection (the cluster balances connections, not requests). */
function get(path: string): Promise<{ worker: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ worker: String(response.headers['x-worker']), body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function sampleValue(body: string, name: string, labels = ''): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (labels === '' && candidate.startsWith(`${name}{`)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const reader = createInterface({ input: child.stdout });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster app did not start: ${stderr.join('')}`)), 20_000);
    reader.on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      lines.push(message);
      if (typeof message.port === 'number') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.on('exit', (code) => reject(new Error(`cluster app exited ${code}: ${stderr.join('')}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('cluster metrics aggregation (real node:cluster, two workers)', () => {
  it('shows the aggregate of every worker on /metrics and /snapshot, whichever worker answers', async () => {
    const served = [];
    for (let index = 0; index < REQUESTS; index += 1) served.push(await get('/work'));
    const workers = new Set(served.map((response) => response.worker));
    expect(workers.size).toBe(2); // both workers served part of the traffic

    const scrapers = new Set<string>();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { worker, body } = await get('/metrics');
      scrapers.add(worker);
      expect(sampleValue(body, 'fortitude_api_requests_total', 'route="/work",method="GET",status_class="2xx"')).toBe(REQUESTS);
      expect(sampleValue(body, 'fortitude_api_request_duration_seconds_count', 'route="/work",method="GET",status_class="2xx"')).toBe(REQUESTS);
      expect(sampleValue(body, 'fortitude_api_concurrent_requests')).toBe(REQUESTS);
      expect(sampleValue(body, 'fortitude_provider_cost_usd_total', 'provider="sim",model="m"')).toBeCloseTo(REQUESTS * 0.001, 9);
      // Process metrics add up over the primary and both workers.
      expect(sampleValue(body, 'fortitude_process_resident_memory_bytes')).toBeGreaterThan(0);
    }
    expect(scrapers.size).toBe(2); // the aggregate does not depend on which worker was scraped

    const { body } = await get('/snapshot');
    const snapshot = JSON.parse(body) as MetricsSnapshot;
    expect(snapshot.processes).toBe(3);
    expect(snapshot.api.requests).toBe(REQUESTS);
    expect(snapshot.providers.sim!.calls).toBe(REQUESTS);
    expect(snapshot.concurrentRequests).toBe(REQUESTS);
    // Worker 1 records 10 ms and 100 ms, worker 2 records 20 ms and 200 ms: merged sketches see both.
    expect(snapshot.api.latency.max).toBe(20);
    expect(snapshot.providerLatency.p50).not.toBeNull();
    expect(snapshot.api.latency.count).toBe(REQUESTS);
  });

  it('lets the primary read the aggregate itself', async () => {
    const before = lines.length;
    child.stdin.write('snapshot\n');
    for (let attempt = 0; attempt < 200 && lines.length === before; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines.at(-1)).toEqual({ primarySnapshot: REQUESTS, processes: 3 });
  });
});
