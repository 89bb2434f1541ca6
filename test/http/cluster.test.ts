import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('runClustered', () => {
  it('runs N workers on one port, spreads connections and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./cluster-child.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      // Each worker reports its URL once it listens; both share the same port.
      const urls: string[] = [];
      for await (const line of createInterface({ input: child.stdout! })) {
        urls.push((JSON.parse(line) as { url: string }).url);
        if (urls.length === 2) break;
      }
      expect(urls).toHaveLength(2);
      expect(new Set(urls).size).toBe(1);
      const url = urls[0]!;
      const pids = new Set<number>();
      for (let index = 0; index < 20 && pids.size < 2; index++) {
        const response = await request(`${url}/api/providers/status`, { reset: true });
        pids.add(((await response.body.json()) as { pid: number }[])[0]!.pid);
      }
      expect(pids.size).toBe(2);
      expect(pids.has(child.pid!)).toBe(false);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 20_000);
});
