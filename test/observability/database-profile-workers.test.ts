/**
 * Issue 20: `fortitude profile database` against `serve --workers 2` covers both workers: each
 * records the same span and the answers merge (it used to profile whichever worker received the
 * request). Traffic on several connections lands on both workers; the merged profile counts the
 * calls of both and names the worker of each slow call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from './in-process-cli.js';
import { runFortitude, spawnServer, type SpawnedServer } from './spawn-server.js';

let server: SpawnedServer | undefined;
let adminKey: string;

beforeAll(async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-dbprofile-workers-'));
  const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json']);
  adminKey = (JSON.parse(created.stdout) as { key: string }).key;
  server = await spawnServer({ cwd, workers: 2 });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

it('profile database merges the calls of every worker', async () => {
  let running = true;
  let sent = 0;
  // Four loops, four connections: the cluster spreads connections over the workers.
  const loops = Array.from({ length: 4 }, async () => {
    while (running) {
      sent += 1;
      await fetch(`${server!.url}/api/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `How do I shard table number ${sent}?`, cache: { bypass: true } }),
      })
        .then((response) => response.arrayBuffer())
        .catch(() => undefined);
    }
  });
  let run;
  try {
    run = await cli(['profile', 'database', '--url', server!.url, '--api-key', adminKey, '--duration', '2', '--slow-queries', '--min-duration', '0ms', '--output', join(server!.cwd, 'p.json'), '--json']);
  } finally {
    running = false;
    await Promise.all(loops);
  }
  expect(run.code, run.stderr).toBe(0);
  const profile = JSON.parse(run.stdout) as {
    process: { workers: number; profiledWorkers: number };
    workersProfiled: { workerId: number; error?: string }[];
    totalQueries: number;
    operations: { operation: string; count: number }[];
    slowQueries: { name: string; workerId?: number }[];
  };
  expect(profile.process).toMatchObject({ workers: 2, profiledWorkers: 2 });
  expect(profile.workersProfiled.map((worker) => worker.workerId).sort()).toEqual([1, 2]);
  expect(profile.workersProfiled.every((worker) => worker.error === undefined)).toBe(true);
  // Calls of both workers are in the merged profile (threshold 0: every call is a slow call).
  expect(new Set(profile.slowQueries.map((query) => query.workerId))).toEqual(new Set([1, 2]));
  expect(profile.operations.reduce((total, operation) => total + operation.count, 0)).toBe(profile.totalQueries);
  // And the text output says so.
  const text = await cli(['profile', 'database', '--url', server!.url, '--api-key', adminKey, '--duration', '0.2', '--output', join(server!.cwd, 'q.json')]);
  expect(text.stdout).toContain('all 2 workers');
}, 120_000);
