import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import { runFortitude, spawnServer, type SpawnedServer } from './spawn-server.js';

/**
 * "One server, one truth" (issues 18 and 20): `fortitude serve --workers 2` answers status,
 * cache, learning and settings for every worker, and the CLI's live-state commands talk to it
 * over the admin API — never the CLI process's own empty copy.
 */

let server: SpawnedServer;
let cwd: string;
let adminKey: string;
let researchKey: string;
const QUERIES = ['What is a Rust lifetime?', 'How does TCP slow start work?', 'What is a B-tree?', 'Explain CRDTs briefly', 'What is Raft?', 'How do bloom filters work?', 'What is MVCC?', 'Explain consistent hashing'];

/** One research request on its own connection, so the cluster's round-robin spreads them over both workers. */
function research(url: string, query: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query });
    const call = request(`${url}/api/research`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    call.on('error', reject);
    call.end(body);
  });
}

async function getJson<T>(path: string, key = adminKey): Promise<T> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as T;
}

const cli = (args: string[], env: Record<string, string> = {}) => runFortitude(cwd, args, { FORTITUDE_API_KEY: adminKey, FORTITUDE_SERVER__AUTH__MODE: 'required', ...env });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface ProviderEntry {
  name: string;
  requests: number;
  workers: { answered: number };
}
interface CacheStats {
  levels: { level: string; entries?: number }[];
  strategies: { query_results?: { lookups: number } };
  processes: { asked: number; answered: number; workers: { workerId: number; pid: number }[] };
}

/**
 * A month of traffic in which openai answered `decision` questions at a high price and gemini
 * answered them as well for less: `costs apply-optimizations` recommends moving them to gemini.
 */
async function seedCostHistory(directory: string): Promise<void> {
  const storage = await createDatabase({ sqlitePath: join(directory, '.fortitude', 'fortitude.db') });
  await storage.migrate();
  const now = Date.now();
  const call = (provider: string, model: string, index: number, costUsd: number) => ({
    provider,
    model,
    researchType: 'decision' as const,
    userId: 'ops',
    createdAt: now - (index + 1) * 3_600_000,
    latencyMs: 500,
    status: 'ok' as const,
    inputTokens: 1_000,
    outputTokens: 500,
    costUsd,
  });
  await storage.providerRequests.insertMany([
    ...Array.from({ length: 10 }, (_, index) => call('openai', 'gpt-4o-mini', index, 0.05)),
    ...Array.from({ length: 6 }, (_, index) => call('gemini', 'gemini-2.0-flash', index, 0.0003)),
  ]);
  for (let index = 0; index < 6; index++) {
    for (const [provider, model] of [['openai', 'gpt-4o-mini'], ['gemini', 'gemini-2.0-flash']] as const) {
      await storage.qualityMetrics.insert({ provider, model, researchType: 'decision', compositeScore: 0.92, dimensionScores: {}, source: 'evaluator', timestamp: now - (index + 1) * 3_600_000 });
    }
  }
  await storage.close();
}

describe('one server, one truth: fortitude serve --workers 2 and the CLI', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fortitude-live-'));
    const admin = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json']);
    adminKey = (JSON.parse(admin.stdout) as { key: string }).key;
    const user = await runFortitude(cwd, ['keys', 'create', '--name', 'user', '--scopes', 'research', '--json']);
    researchKey = (JSON.parse(user.stdout) as { key: string }).key;
    await seedCostHistory(cwd);
    server = await spawnServer({ cwd, workers: 2, env: { FORTITUDE_SERVER__AUTH__MODE: 'required' } });
    for (const query of QUERIES) expect(await research(server.url, query, researchKey)).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers provider status and cache stats for both workers: consecutive calls agree', async () => {
    const totals: number[] = [];
    const lookups: number[] = [];
    for (let call = 0; call < 6; call++) {
      const status = await getJson<ProviderEntry[]>('/api/providers/status');
      expect(status.every((entry) => entry.workers.answered === 2)).toBe(true);
      totals.push(status.reduce((sum, entry) => sum + entry.requests, 0));
      const stats = await getJson<CacheStats>('/api/cache/stats');
      expect(stats.processes).toMatchObject({ asked: 2, answered: 2 });
      expect(new Set(stats.processes.workers.map((worker) => worker.pid)).size).toBe(2);
      lookups.push(stats.strategies.query_results?.lookups ?? -1);
    }
    // Every research request was a cache miss that reached a provider, whichever worker served it.
    expect(new Set(totals).size).toBe(1);
    expect(totals[0]).toBeGreaterThanOrEqual(QUERIES.length);
    expect(lookups).toEqual(Array(6).fill(QUERIES.length));
  });

  it('CLI providers status shows the server’s counts (FORTITUDE_URL), not its own empty state', async () => {
    const fromServer = await getJson<ProviderEntry[]>('/api/providers/status');
    const result = await cli(['providers', 'status', '--json'], { FORTITUDE_URL: server.url });
    expect(result.code, result.stderr).toBe(0);
    const fromCli = JSON.parse(result.stdout) as ProviderEntry[];
    expect(fromCli.map((entry) => [entry.name, entry.requests])).toEqual(fromServer.map((entry) => [entry.name, entry.requests]));
    expect(fromCli.reduce((sum, entry) => sum + entry.requests, 0)).toBeGreaterThanOrEqual(QUERIES.length);
  });

  it('CLI learning status shows the server’s learned estimates', async () => {
    const fromServer = await getJson<{ estimates: { provider: string; samples: number }[]; processes: { answered: number } }>('/api/admin/learning');
    expect(fromServer.processes.answered).toBe(2);
    expect(fromServer.estimates.reduce((sum, entry) => sum + entry.samples, 0)).toBeGreaterThan(0);
    const result = await cli(['learning', 'status', '--format', 'json', '--url', server.url]);
    expect(result.code, result.stderr).toBe(0);
    const fromCli = JSON.parse(result.stdout) as { estimates: unknown[] };
    expect(fromCli.estimates.length).toBe(fromServer.estimates.length);
  });

  it('CLI cache clear empties the memory level of every worker', async () => {
    const before = await getJson<CacheStats>('/api/cache/stats');
    expect(before.levels.find((level) => level.level === 'memory')?.entries).toBeGreaterThan(0);
    const result = await cli(['cache', 'clear', '--url', server.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 of 2 workers');
    const after = await getJson<CacheStats>('/api/cache/stats');
    expect(after.levels.find((level) => level.level === 'memory')?.entries).toBe(0);
    expect(after.levels.find((level) => level.level === 'disk')?.entries ?? 0).toBe(0);
  });

  it('costs apply-optimizations --auto-approve true changes the routing every worker reports; admin scope only', async () => {
    const before = await getJson<{ routeChanges: unknown[]; consistent: boolean }>('/api/admin/routing');
    expect(before).toMatchObject({ consistent: true, routeChanges: [] });

    const refused = await fetch(`${server.url}/api/admin/optimizations/apply?auto_approve=true`, { method: 'POST', headers: { authorization: `Bearer ${researchKey}` } });
    expect(refused.status).toBe(403);
    const badInput = await fetch(`${server.url}/api/admin/optimizations/apply?auto_approve=yes`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
    expect(badInput.status).toBe(400);
    expect(await badInput.text()).toContain('auto_approve');

    const result = await cli(['costs', 'apply-optimizations', '--auto-approve', 'true', '--url', server.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 of 2 workers');
    for (let call = 0; call < 4; call++) {
      const after = await getJson<{ consistent: boolean; routeChanges: unknown[]; processes: { answered: number } }>('/api/admin/routing');
      expect(after.consistent).toBe(true);
      expect(after.processes.answered).toBe(2);
      expect(after.routeChanges).toContainEqual({ kind: 'prefer_provider', researchType: 'decision', provider: 'gemini', instead: 'openai' });
    }
  });

  it('reports the cache and concurrency settings in force, which the optimizer can now change', async () => {
    const routing = await getJson<{ cache: { strategies: Record<string, { ttlSeconds: number }>; memory?: { maxSizeMb: number } }; concurrency: Record<string, number> }>('/api/admin/routing');
    expect(routing.cache.strategies.query_results?.ttlSeconds).toBeGreaterThan(0);
    expect(routing.cache.memory?.maxSizeMb).toBeGreaterThan(0);
    expect(routing.concurrency).toMatchObject({ openai: 15, claude: 12, gemini: 20 });
  });

  it('without a server: live-only commands fail in one line, status commands say so and show stored data', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const clear = await cli(['cache', 'clear', '--url', url]);
    expect(clear.code).toBe(6);
    expect(clear.stderr.trim().split('\n')).toHaveLength(1);
    expect(clear.stderr).toContain(`no Fortitude server at ${url}`);
    const apply = await cli(['costs', 'apply-optimizations', '--auto-approve', 'true', '--url', url]);
    expect(apply.code).toBe(6);
    expect(apply.stderr).toContain('nothing applied');
    const status = await cli(['providers', 'status', '--json', '--url', url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain(`no Fortitude server at ${url}`);
    expect((JSON.parse(status.stdout) as ProviderEntry[]).map((entry) => entry.name)).toEqual(['openai', 'claude', 'gemini']);
  });
});
