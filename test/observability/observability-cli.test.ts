import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import { cli } from './in-process-cli.js';
import { runFortitude, sendResearch, spawnServerWithAdminKey, startTraffic, type SpawnedServer } from './spawn-server.js';

/**
 * `fortitude performance …` and `fortitude profile …` against a real `fortitude serve` with
 * short durations, while traffic flows, each producing the file it names.
 */

let server: SpawnedServer;
let out: string;
/** Profiles need an admin key even on loopback (issue 14.4). */
let adminKey: string;
let traffic: { stop: () => Promise<void> } | undefined;

const json = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('observability CLI against a running server', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'fortitude-profiles-'));
    ({ server, adminKey } = await spawnServerWithAdminKey({ FORTITUDE_SERVER__HEAP_SNAPSHOTS: 'true' }));
    await sendResearch(server.url, ['What is a Rust lifetime?', 'What is a Rust lifetime?', 'Should I use PostgreSQL or MongoDB for an event store?']);
    traffic = startTraffic(server.url, (count) => `How do I tune PostgreSQL autovacuum for table ${count}?`);
  }, 90_000);
  afterAll(async () => {
    await traffic?.stop();
    await server?.close();
  });

  it('profiles cpu, io, database and providers at once, each writing its file', async () => {
    const url = ['--url', server.url, '--api-key', adminKey];
    const [cpu, io, database, providers] = await Promise.all([
      cli(['profile', 'cpu', ...url, '--duration', '1.5', '--flame-graph', '--output', join(out, 'cpu-profile.svg')]),
      cli(['profile', 'io', ...url, '--duration', '1', '--include-disk', '--include-network', '--output', join(out, 'io-profile.json')]),
      cli(['profile', 'database', ...url, '--duration', '1.5', '--slow-queries', '--min-duration', '0ms', '--output', join(out, 'database-profile.json')]),
      cli(['profile', 'providers', ...url, '--duration', '1.5', '--include-network', '--trace-requests', '--output', join(out, 'provider-profile.json')]),
    ]);
    for (const run of [cpu, io, database, providers]) expect(run.code, run.stderr).toBe(0);

    const svg = readFileSync(join(out, 'cpu-profile.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml/);
    expect((svg.match(/<rect x=/g) ?? []).length).toBeGreaterThan(3);
    const cpuProfile = json<{ nodes: unknown[]; samples: number[]; startTime: number; endTime: number }>(join(out, 'cpu-profile.cpuprofile'));
    expect(cpuProfile.nodes.length).toBeGreaterThan(10);
    expect(cpuProfile.samples.length).toBeGreaterThan(0);
    expect((cpuProfile.endTime - cpuProfile.startTime) / 1e6).toBeGreaterThan(1.4);
    expect(cpu.stdout).toContain('hottest functions');

    const ioProfile = json<{ kind: string; disk: { available: boolean; delta: { readChars: number } }; network: { available: boolean; interfaces: { name: string; receivedBytes: number }[] } }>(join(out, 'io-profile.json'));
    expect(ioProfile.kind).toBe('io');
    expect(ioProfile.disk.available).toBe(true);
    expect(ioProfile.disk.delta.readChars).toBeGreaterThan(0); // it read the requests off its sockets
    expect(ioProfile.network.interfaces.find((entry) => entry.name === 'lo')!.receivedBytes).toBeGreaterThan(0);

    const databaseProfile = json<{ totalQueries: number; operations: { operation: string }[]; slowQueries: { name: string }[] }>(join(out, 'database-profile.json'));
    expect(databaseProfile.totalQueries).toBeGreaterThan(0);
    expect(databaseProfile.operations.map((entry) => entry.operation)).toContain('researchResults.insert');
    expect(databaseProfile.slowQueries.length).toBe(databaseProfile.totalQueries); // threshold 0 ms: all of them
    expect(database.stdout).toContain('Slow queries');

    const providerProfile = json<{ traceCount: number; traces: { attempts: { provider: string; status: string }[] }[]; summary: { tries: number }[]; network: { interfaces: unknown[] } }>(join(out, 'provider-profile.json'));
    expect(providerProfile.traceCount).toBeGreaterThan(0);
    expect(providerProfile.traces[0]!.attempts.length).toBeGreaterThan(0);
    expect(providerProfile.summary.reduce((total, entry) => total + entry.tries, 0)).toBeGreaterThan(0);
    expect(providerProfile.network.interfaces.length).toBeGreaterThan(0);
    expect(providers.stdout).toContain('Recent requests');
  });

  it('profiles memory with a heap dump', async () => {
    const run = await cli(['profile', 'memory', '--url', server.url, '--api-key', adminKey, '--duration', '1', '--heap-dump', '--output', join(out, 'memory-profile.json')]);
    expect(run.code, run.stderr).toBe(0);
    const profile = json<{ kind: string; before: { usage: { rssBytes: number } }; timeline: unknown[]; topAllocations: { selfBytes: number }[]; samplingProfile: { head: unknown }; heapSnapshot: { file: string; bytes: number } }>(join(out, 'memory-profile.json'));
    expect(profile.kind).toBe('memory');
    expect(profile.before.usage.rssBytes).toBeGreaterThan(0);
    expect(profile.timeline.length).toBeGreaterThan(2);
    expect(profile.topAllocations.length).toBeGreaterThan(0);
    expect(profile.samplingProfile.head).toBeDefined();
    const snapshotFile = join(out, 'memory-profile.heapsnapshot');
    expect(profile.heapSnapshot.file).toBe(snapshotFile);
    expect(statSync(snapshotFile).size).toBe(profile.heapSnapshot.bytes);
    expect(readFileSync(snapshotFile, { encoding: 'utf8', flag: 'r' }).slice(0, 20)).toMatch(/^\{"snapshot":/);
  });

  it('analyses the window against the SLA, comprehensively and per component', async () => {
    const run = await cli(['performance', 'analyze', '--url', server.url, '--comprehensive', '--duration', '3600', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const analysis = JSON.parse(run.stdout) as { components: string[]; sla: { metric: string; status: string }[]; traffic: { requests: number }; sections: { providers: { name: string; calls: number }[] } };
    expect(analysis.components).toHaveLength(6);
    expect(analysis.sla.map((check) => check.metric)).toContain('p95(api_response_time)');
    expect(analysis.traffic.requests).toBeGreaterThan(3);
    expect(analysis.sections.providers.reduce((total, row) => total + row.calls, 0)).toBeGreaterThan(0);

    const providers = await cli(['performance', 'analyze', '--url', server.url, '--component', 'providers', '--duration', '1800']);
    expect(providers.code).toBe(0);
    expect(providers.stdout).toMatch(/Performance analysis — providers — last \d+ s/);
    expect(providers.stdout).toContain('p95(provider_response_time)');
    expect(providers.stdout).not.toContain('p95(api_response_time)');
    const learning = await cli(['performance', 'analyze', '--url', server.url, '--component', 'learning']);
    expect(learning.stdout).toContain('optimizer:');
    expect((await cli(['performance', 'analyze', '--url', server.url, '--component', 'gpu'])).code).toBe(2);
  });

  it('monitors live for the asked number of frames', async () => {
    const run = await cli(['performance', 'monitor', '--url', server.url, '--real-time', '--interval', '0.3', '--iterations', '2']);
    expect(run.code, run.stderr).toBe(0);
    const frames = run.stdout.split(/^Fortitude · /m).filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toMatch(/latency\s+p50 [\d.]+ ms/);
    expect(frames[1]).toContain('provider');
  });

  it('reports with the optimizer’s decisions from learning_data and the alerts, as text, JSON and HTML', async () => {
    const storage = await createDatabase({ sqlitePath: join(server.cwd, '.fortitude', 'fortitude.db') });
    try {
      await storage.learning.insert({
        learningType: 'performance_optimization',
        subject: 'provider_selection:openai',
        before: { metric: 'p95(provider_response_time)', value: 900, samples: 40 },
        after: { decision: 'rolled_back', reason: 'worse', type: 'provider_selection', description: 'shift 30% of traffic from openai to gemini', metric: { value: 1200, samples: 35 } },
        confidenceScore: 0.93,
        outcome: 'rolled_back',
      });
    } finally {
      await storage.close();
    }
    const detailed = await cli(['performance', 'report', '--url', server.url, '--time-range', '24h', '--format', 'detailed']);
    expect(detailed.code, detailed.stderr).toBe(0);
    expect(detailed.stdout).toContain('Fortitude performance report');
    expect(detailed.stdout).toContain('rolled_back shift 30% of traffic from openai to gemini (confidence 0.93, worse) — p95(provider_response_time): 900 → 1200');
    expect(detailed.stdout).toContain('Recorded usage over the range');

    const html = join(out, 'report.html');
    const written = await cli(['performance', 'report', '--url', server.url, '--time-range', '24h', '--format', 'html', '--output', html]);
    expect(written.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect((page.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(page).toContain('Optimizer decisions (1)');
    expect(page).toContain('shift 30% of traffic from openai to gemini');

    const report = JSON.parse((await cli(['performance', 'report', '--url', server.url, '--format', 'json'])).stdout) as {
      optimizer: { decisions: { outcome: string; before: number; after: number }[] };
      alerts: { active: unknown[] } | null;
      window: { timeline: unknown[] };
    };
    expect(report.optimizer.decisions).toEqual([expect.objectContaining({ outcome: 'rolled_back', before: 900, after: 1200 })]);
    expect(report.alerts).not.toBeNull();
    expect(report.window.timeline.length).toBeGreaterThan(0);
  });

  it('answers the HTTP API directly: alerts, a busy profiler, bad parameters', async () => {
    const alerts = (await (await fetch(`${server.url}/api/alerts`)).json()) as { alerts: { name: string; state: string }[] };
    expect(alerts.alerts.map((alert) => alert.name)).toContain('SLA Violation - API Response Time');
    const admin = { authorization: `Bearer ${adminKey}` };
    expect((await fetch(`${server.url}/api/admin/profile/cpu?duration_ms=1500`, { method: 'POST' })).status).toBe(401);
    const first = fetch(`${server.url}/api/admin/profile/cpu?duration_ms=1500`, { method: 'POST', headers: admin });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await fetch(`${server.url}/api/admin/profile/cpu?duration_ms=1500`, { method: 'POST', headers: admin });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { message: string } }).error.message).toContain('already being recorded');
    expect((await first).status).toBe(200);
    expect((await fetch(`${server.url}/api/admin/profile/io?duration_ms=5`, { method: 'POST', headers: admin })).status).toBe(400);
    expect((await fetch(`${server.url}/api/performance/analysis?component=gpu`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/dashboard/snapshot?span_s=abc`)).status).toBe(400);
  });

  it('works as a spawned process and says clearly when no server answers', async () => {
    const run = await runFortitude(out, ['performance', 'analyze', '--url', server.url, '--component', 'api', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { components: string[] }).components).toEqual(['api']);
    const down = await cli(['profile', 'io', '--url', 'http://127.0.0.1:9', '--duration', '1', '--output', join(out, 'down.json')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Fortitude at http://127.0.0.1:9');
    expect(existsSync(join(out, 'down.json'))).toBe(false);
  });

  it('load-tests the running server with a tiny scale and writes Markdown, HTML and JSON', async () => {
    const dir = join(out, 'bench');
    const run = await cli(['benchmark', '--scenario', 'spike_test', '--scale', '0.004', '--duration', '2', '--url', server.url, '--output-dir', dir]);
    // A missed performance target (a busy machine) exits 9; the run itself succeeded.
    expect(run.code, run.stderr).toBe(/^FAIL /m.test(run.stdout) ? 9 : 0);
    expect(run.stdout).toMatch(/│ all\s+│ \d+/);
    const markdown = readFileSync(join(dir, 'benchmark-spike_test.md'), 'utf8');
    expect(markdown).toContain('# Fortitude load test: spike_test');
    expect(markdown).toContain('scale 0.004 → 4 users, 8.0 rps');
    expect(markdown).toMatch(/\| all \| \d+ \| 0 \|/);
    expect(readFileSync(join(dir, 'benchmark-spike_test.html'), 'utf8')).toContain('<svg');
    const report = json<{ result: { overall: { requests: number; p95: number } } }>(join(dir, 'benchmark-spike_test.json'));
    expect(report.result.overall.requests).toBeGreaterThan(5);
    expect(report.result.overall.p95).toBeGreaterThan(0);
    expect((await cli(['benchmark', '--scenario', 'spike_test', '--url', 'http://10.1.2.3:8080', '--scale', '0.004', '--duration', '2'])).stderr).toContain('loopback');
  });
});
