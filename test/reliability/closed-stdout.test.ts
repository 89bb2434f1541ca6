/**
 * A log reader that goes away (a `fortitude serve | tee` whose tee was killed, a log shipper
 * restarting) must not keep the server from stopping. pino's destination (sonic-boom 4) retried a
 * write that failed with EPIPE forever in the final synchronous flush, so SIGTERM left the
 * process alive with its listener closed; sonic-boom 5 (package.json `overrides`) gives up.
 */
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';

describe('serve whose stdout reader is gone', () => {
  it('keeps answering, then exits on SIGTERM within seconds', async () => {
    const server = await spawnServer();
    const { child, url } = server;
    try {
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
