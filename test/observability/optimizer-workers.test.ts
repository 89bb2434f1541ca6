/**
 * Issue 20: with `serve --workers 2` the optimizer's changes are the server's, not one worker's.
 * One optimizer (the lowest-numbered worker) judges every worker's window and applies a change in
 * every worker; `GET /api/admin/routing` then reports one view (`consistent: true`) with the new
 * setting. Here: research traffic spread over both workers leaves the 512 MB memory level almost
 * empty with no evictions, so the optimizer shrinks it (to 256 MB) — in both workers; a worker
 * restarted after a crash copies the changes in force from the other.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runFortitude, spawnServer } from './spawn-server.js';

interface RoutingView {
  consistent: boolean;
  cache?: { memory?: { maxSizeMb: number } };
  processes: { asked: number; answered: number; workers: { workerId: number; pid: number }[] };
}

it('an optimizer change reaches every worker', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-optimizer-workers-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    [
      'optimizer: { interval: 4s, apply_threshold: 0.5 }',
      'research: { quality_threshold: 0 }',
      'caching:',
      '  semantic: { enabled: false }',
      '  levels: { memory: { max_size_mb: 512 } }',
      '',
    ].join('\n'),
  );
  const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json']);
  const adminKey = (JSON.parse(created.stdout) as { key: string }).key;
  const server = await spawnServer({ cwd, workers: 2 });
  const view = async () => (await (await fetch(`${server.url}/api/admin/routing`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as RoutingView;
  try {
    const before = await view();
    expect(before.cache?.memory?.maxSizeMb).toBe(512);
    let running = true;
    let sent = 0;
    // Questions on several connections (both workers).
    const loops = Array.from({ length: 6 }, async () => {
      while (running) {
        sent += 1;
        await fetch(`${server.url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `What limits a pool of size ${sent}?` }) })
          .then((response) => response.arrayBuffer())
          .catch(() => undefined);
      }
    });
    let after = before;
    try {
      for (let waited = 0; waited < 45_000; waited += 500) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        after = await view();
        if (after.cache?.memory?.maxSizeMb !== 512) break;
      }
    } finally {
      running = false;
      await Promise.all(loops);
    }
    expect(after.processes).toMatchObject({ asked: 2, answered: 2 });
    expect(after.consistent, JSON.stringify(after)).toBe(true);
    expect(after.cache?.memory?.maxSizeMb).toBe(256);
    // A worker that crashes is restarted by the primary and takes the changes in force from the other.
    process.kill(after.processes.workers[1]!.pid, 'SIGKILL');
    let restarted = after;
    for (let waited = 0; waited < 30_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      restarted = await view().catch(() => restarted);
      if (restarted.processes.answered === 2 && restarted.processes.workers.some((worker) => worker.workerId > 2)) break;
    }
    expect(restarted.processes.workers.map((worker) => worker.workerId)).toContain(3);
    expect(restarted.consistent, JSON.stringify(restarted)).toBe(true);
    expect(restarted.cache?.memory?.maxSizeMb).toBe(256);
  } finally {
    await server.close();
  }
}, 120_000);
