/**
 * A log reader that goes away (a `fortitude serve | tee` whose tee was killed, a log shipper
 * restarting) must not keep the server from stopping. pino's destination (sonic-boom 4) retried a
 * write that failed with EPIPE forever in the final synchronous flush, so SIGTERM left the
 * process alive with its listener closed; sonic-boom 5 (package.json `overrides`) gives up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../observability/spawn-server.js';
import { MAIN_BUILT } from '../support/fortitude-entry.js';

describe('serve whose stdout reader is gone', () => {
  it('keeps answering, then exits on SIGTERM within seconds', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-epipe-'));
    const child = spawn(MAIN_BUILT, ['serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1'], { cwd, env: childEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await listening(child);
      // The reader goes away: every later write to stdout or stderr fails with EPIPE.
      child.stdout!.destroy();
      child.stderr!.destroy();
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is a mutex?' }] }),
      });
      expect(response.status).toBe(200);
      await response.text();

      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const outcome = await Promise.race([exit, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
      expect(outcome).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

/** The URL the child says it listens on. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`not listening in 30 s:\n${output}`)), 30_000);
    child.once('error', (error) => reject(new Error(`${MAIN_BUILT} did not start (${error.message}); \`npm run build\` writes it`)));
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}
