/**
 * Issue 20: with Redis configured, learned routing is shared by the workers of `serve --workers 2`
 * and survives a restart (it used to live in each worker's memory). Research pinned to one
 * provider on several connections lands on both workers; every worker's estimate for that
 * provider counts all the calls, and a new server (fresh data directory, same Redis) starts with
 * them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runFortitude, spawnServer } from '../observability/spawn-server.js';
import { REDIS_URL, connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

const prefix = uniqueKeyPrefix('learned-serve');
const redis = connectRedis();
afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await deleteKeys(redis, `{${prefix}*`);
  redis.disconnect();
});

interface Learning {
  estimates: { provider: string; researchType: string; samples: number }[];
  processes: { answered: number };
}

async function serverWithKey(workers: number) {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-learned-redis-'));
  writeFileSync(join(cwd, 'fortitude.yaml'), 'research: { quality_threshold: 0 }\n');
  const env = { REDIS_URL, FORTITUDE_REDIS__KEY_PREFIX: `${prefix}:` };
  const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json'], env);
  const key = (JSON.parse(created.stdout) as { key: string }).key;
  const server = await spawnServer({ cwd, workers, env });
  const learning = async () => (await (await fetch(`${server.url}/api/admin/learning`, { headers: { authorization: `Bearer ${key}` } })).json()) as Learning;
  return { server, learning };
}

const geminiSamples = (learning: Learning) => learning.estimates.filter((estimate) => estimate.provider === 'gemini').reduce((most, estimate) => Math.max(most, estimate.samples), 0);

it('workers share learned routing through Redis, and a restart keeps it', async () => {
  const first = await serverWithKey(2);
  const calls = 12;
  try {
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < calls) {
          sent += 1;
          const response = await fetch(`${first.server.url}/api/research`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: `How do I tune connection pool ${sent}?`, type: 'implementation', provider: 'gemini', cache: { bypass: true } }),
          });
          expect(response.status).toBe(200);
          await response.arrayBuffer();
        }
      }),
    );
    // Observations travel once a second; every worker's estimate counts every call.
    let learning = await first.learning();
    for (let waited = 0; waited < 10_000 && geminiSamples(learning) < calls; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      learning = await first.learning();
    }
    expect(learning.processes.answered).toBe(2);
    expect(geminiSamples(learning)).toBeGreaterThanOrEqual(calls);
  } finally {
    await first.server.close();
  }
  // A new server: its own (empty) data directory, the same Redis.
  const second = await serverWithKey(1);
  try {
    let learning = await second.learning();
    for (let waited = 0; waited < 5_000 && geminiSamples(learning) < calls; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      learning = await second.learning();
    }
    expect(geminiSamples(learning)).toBeGreaterThanOrEqual(calls);
  } finally {
    await second.server.close();
  }
}, 120_000);
