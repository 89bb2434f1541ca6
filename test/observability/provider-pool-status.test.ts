import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFortitude, sendResearch, spawnServer, type SpawnedServer } from './spawn-server.js';

/** `profile providers --include-network` and `/api/providers/status` show each provider's undici pool, not null. */
describe('provider connection-pool state over a real server', { timeout: 120_000 }, () => {
  let server: SpawnedServer;
  let adminKey = '';
  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-pool-status-'));
    const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json']);
    adminKey = (JSON.parse(created.stdout) as { key: string }).key;
    server = await spawnServer({ cwd });
  }, 120_000);
  afterAll(() => server?.close());

  it('reports the pool of every provider, with open sockets after a call', async () => {
    await sendResearch(server.url, ['How do I read a file line by line in Rust?']);
    const statuses = (await (await fetch(`${server.url}/api/providers/status`)).json()) as unknown;
    const list = (Array.isArray(statuses) ? statuses : (statuses as { providers: unknown[] }).providers) as { name: string; requests: number; connections: { connected: number; idle: number; running: number; pending: number } | null }[];
    expect(list.length).toBeGreaterThan(0);
    for (const status of list) expect(status.connections).toMatchObject({ connected: expect.any(Number), idle: expect.any(Number), running: expect.any(Number), pending: expect.any(Number) });
    expect(list.some((status) => status.connections!.connected >= 1)).toBe(true);

    const response = await fetch(`${server.url}/api/admin/profile/providers?duration_ms=500&include_network=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const profile = (await response.json()) as { network?: { connections: { name: string; connections: unknown }[] } };
    expect(profile.network?.connections.length).toBeGreaterThan(0);
    for (const entry of profile.network!.connections) expect(entry.connections).not.toBeNull();
  });
});
