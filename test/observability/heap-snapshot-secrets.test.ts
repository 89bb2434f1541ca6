import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFortitude, spawnServer, type SpawnedServer } from './spawn-server.js';

/**
 * Issue 14.4: a heap snapshot of `fortitude serve` held all three provider API keys and other
 * users' Fortitude keys. Snapshots are now off by default and, when enabled, scrubbed: this
 * scans the whole file of a real server for every secret it was given or has seen.
 */

const PROVIDER_KEYS = {
  OPENAI_API_KEY: `sk-proj-heapTest${'Q'.repeat(24)}`,
  ANTHROPIC_API_KEY: `sk-ant-api03-heapTest${'R'.repeat(24)}`,
  GEMINI_API_KEY: `AIzaHeapTest${'S'.repeat(24)}`,
};

let server: SpawnedServer;
let adminKey: string;
let userKey: string;

async function createKey(cwd: string, name: string, scopes: string): Promise<string> {
  const run = await runFortitude(cwd, ['keys', 'create', '--name', name, '--scopes', scopes, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { key: string }).key;
}

describe('heap snapshots of fortitude serve', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-heap-'));
    adminKey = await createKey(cwd, 'ops', 'admin');
    userKey = await createKey(cwd, 'alice', 'research');
    server = await spawnServer({
      cwd,
      env: { ...PROVIDER_KEYS, FORTITUDE_SIMULATOR: 'always', FORTITUDE_SERVER__AUTH__MODE: 'required', FORTITUDE_SERVER__HEAP_SNAPSHOTS: 'true' },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('contain no provider key and no Fortitude key, not even the ones in use', async () => {
    // Another user's key passes through the server (and its key cache) first.
    const research = await fetch(`${server.url}/api/research`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'How do I size a PostgreSQL connection pool?' }),
    });
    expect(research.status).toBe(200);
    await research.arrayBuffer();

    const snapshot = await fetch(`${server.url}/api/admin/profile/heap-snapshot`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
    expect(snapshot.status).toBe(200);
    const text = await snapshot.text();
    expect(text.length).toBeGreaterThan(1_000_000);
    const parsed = JSON.parse(text) as { snapshot: { meta: unknown }; strings: string[] };
    expect(parsed.snapshot.meta).toBeDefined();
    for (const [name, secret] of Object.entries({ ...PROVIDER_KEYS, userKey, adminKey })) {
      expect(text.includes(secret), `${name} is in the heap snapshot`).toBe(false);
      // Not even most of it (a sliced string keeping all but the first or last characters).
      expect(text.includes(secret.slice(4, -4)), `${name} (its middle) is in the heap snapshot`).toBe(false);
    }
    expect(parsed.strings).toContain('[REDACTED]');
  });
});
