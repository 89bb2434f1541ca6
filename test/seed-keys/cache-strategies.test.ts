/**
 * Issue 20, `caching.strategies.quality_evaluations` and `embeddings`: built, and now read and
 * written. A research answer's evaluation is stored (and found again for the same answer); the
 * semantic cache's query vectors go through the embeddings strategy. Seen in the per-strategy
 * counters of `GET /api/cache/stats`; a strategy turned off stays at zero.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';

interface Counters {
  lookups: number;
  setsByLevel: Record<string, number>;
  hitsByLevel: Record<string, number>;
}

function configDir(enabled: boolean): string {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-strategies-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    [
      'caching:',
      '  semantic: { enabled: true, embedder: local }',
      '  strategies:',
      `    quality_evaluations: { enabled: ${enabled}, cache_levels: [memory, disk], ttl_seconds: 7200 }`,
      `    embeddings: { enabled: ${enabled}, cache_levels: [memory], ttl_seconds: 86400 }`,
      '',
    ].join('\n'),
  );
  return cwd;
}

async function scenario(url: string): Promise<Record<string, Counters | undefined>> {
  for (const query of ['How do I rotate TLS certificates without downtime?', 'How do I rotate TLS certificates without downtime?', 'Which queue should I pick for retries?']) {
    // The same question twice: the second is answered from the cache, the evaluation is not redone.
    const response = await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  const stats = (await (await fetch(`${url}/api/cache/stats`)).json()) as { strategies: Record<string, Counters | undefined> };
  return stats.strategies;
}

const sets = (counters: Counters | undefined) => Object.values(counters?.setsByLevel ?? {}).reduce((total, value) => total + value, 0);

it('quality evaluations and embeddings are written to their strategies when enabled', async () => {
  const server = await spawnServer({ cwd: configDir(true) });
  try {
    const strategies = await scenario(server.url);
    expect(strategies.quality_evaluations?.lookups).toBeGreaterThanOrEqual(2);
    expect(sets(strategies.quality_evaluations)).toBeGreaterThanOrEqual(2);
    expect(strategies.embeddings?.lookups).toBeGreaterThanOrEqual(1);
    expect(sets(strategies.embeddings)).toBeGreaterThanOrEqual(1);
  } finally {
    await server.close();
  }
}, 120_000);

it('turned off, the strategies are never touched', async () => {
  const server = await spawnServer({ cwd: configDir(false) });
  try {
    const strategies = await scenario(server.url);
    expect(strategies.quality_evaluations?.lookups ?? 0).toBe(0);
    expect(strategies.embeddings?.lookups ?? 0).toBe(0);
  } finally {
    await server.close();
  }
}, 120_000);
