/**
 * Issue 20, cache warming with `caching.semantic.enabled: false`: the warmer still runs and
 * answers popular queries whose cached answer expired, into the exact tiers (it used to be built
 * only with the semantic cache, so warming silently did nothing). Seen in the `provider_requests`
 * rows: a provider call the client did not make.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';

function okCalls(cwd: string): number {
  const database = new Database(join(cwd, '.fortitude', 'fortitude.db'), { readonly: true });
  try {
    return (database.prepare("SELECT COUNT(*) AS n FROM provider_requests WHERE status = 'ok'").get() as { n: number }).n;
  } finally {
    database.close();
  }
}

it('warming with the semantic cache off re-answers an expired popular query in the background', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-warming-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    [
      'research: { quality_threshold: 0 }',
      'caching:',
      '  semantic: { enabled: false }',
      '  strategies:',
      '    query_results: { ttl_seconds: 1 }',
      '  warming: { enabled: true, interval: 1s, frequency_threshold: 1, max_queries_per_run: 5 }',
      '',
    ].join('\n'),
  );
  const server = await spawnServer({ cwd });
  try {
    const response = await fetch(`${server.url}/api/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What is the difference between TCP and UDP?', quality_threshold: 0 }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(server.output()).toContain('cache warming: the semantic cache is off');
    // No more client requests: a second provider call can only come from the warmer.
    let calls = okCalls(cwd);
    for (let waited = 0; waited < 20_000 && calls < 2; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      calls = okCalls(cwd);
    }
    expect(calls).toBeGreaterThanOrEqual(2);
  } finally {
    await server.close();
  }
}, 120_000);
