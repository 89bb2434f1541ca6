/**
 * A log reader that stalls without going away (`fortitude serve | less` left paused, a log
 * shipper that stops reading): with async logging, lines waiting for it used to pile up in
 * memory without bound. `logging.max_pending_mb` bounds the backlog; past it lines are dropped,
 * and once the reader takes lines again one warning says how many were lost.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';

describe('serve whose stdout reader stalls', () => {
  it('keeps answering with a bounded log backlog, then says how many lines it dropped', async () => {
    // One access line per request (debug, unsampled, no filter: the default rate-limit filter
    // lets one message through 100 times a minute), a 256 KiB bound, a short flush interval.
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-stalled-stdout-'));
    writeFileSync(
      join(cwd, 'fortitude.yaml'),
      ['logging:', '  levels: { root: debug }', '  sampling: { enabled: false }', '  filters: []', '  max_pending_mb: 0.25', '  flush_interval_ms: 200', ''].join('\n'),
    );
    const server = await spawnServer({ cwd });
    const { child, url } = server;
    try {
      // The reader stalls: nothing reads the pipe, which fills, and the server's writes wait.
      child.stdout!.removeAllListeners('data');
      child.stdout!.pause();
      const requests = 4_000;
      let answered = 0;
      const client = async () => {
        while (answered < requests) {
          answered += 1;
          const response = await fetch(`${url}/api/health?stalled-reader-${'x'.repeat(200)}`);
          await response.text();
          expect(response.status).toBe(200);
        }
      };
      await Promise.all(Array.from({ length: 16 }, client));

      // The reader comes back and reads everything the server had kept.
      let received = '';
      child.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString()));
      child.stdout!.resume();
      const deadline = Date.now() + 20_000;
      while (!received.includes('log lines dropped') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const warning = received
        .split('\n')
        .filter((line) => line.includes('log lines dropped'))
        .map((line) => JSON.parse(line) as { level: string; droppedLines: number; maxPendingBytes: number })[0];
      expect(warning, 'no "log lines dropped" warning after the reader came back').toBeDefined();
      expect(warning!.level).toBe('warn');
      expect(warning!.maxPendingBytes).toBe(262_144);
      const accessLines = received.split('\n').filter((line) => line.includes('"http request"')).length;
      // What was kept (at most the bound and the pipe's own buffer) plus what was dropped is every line.
      expect(warning!.droppedLines).toBeGreaterThan(0);
      expect(accessLines).toBeLessThan(requests);
      expect(accessLines + warning!.droppedLines).toBeGreaterThanOrEqual(requests);
    } finally {
      await server.close();
    }
  }, 90_000);
});
