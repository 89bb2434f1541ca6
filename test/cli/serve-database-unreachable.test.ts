/**
 * `fortitude serve` against a PostgreSQL it cannot use (issue 14.5): a database that does not
 * exist, nothing listening, an unknown role. The process must exit non-zero on its own (it used
 * to neither listen nor exit) with one line naming DATABASE_URL and the fix, and never the
 * password. Both start-up shapes: a forked worker (the default) and a single process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv } from '../observability/spawn-server.js';
import { freePort } from '../replicas/replica-harness.js';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

const directory = mkdtempSync(join(tmpdir(), 'fortitude-serve-db-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Bound for the test only: the process is expected to exit long before it. */
const GIVE_UP_MS = 45_000;

/** Single process: the runtime flags a forked worker would add are switched off. */
const SINGLE_PROCESS = {
  FORTITUDE_SERVER__RUNTIME__YOUNG_GENERATION_MB: '0',
  FORTITUDE_SERVER__RUNTIME__HEAP_GROWTH_PERCENT: '0',
  FORTITUDE_SERVER__RUNTIME__SINGLE_THREADED_GC: 'false',
  FORTITUDE_SERVER__RUNTIME__MALLOC_THRESHOLD_KB: '0',
};

function serve(databaseUrl: string, env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string; listened: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1'], {
      cwd: directory,
      env: childEnv(directory, { DATABASE_URL: databaseUrl, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, listened: stdout.includes('listening on') });
    });
  });
}

describe('fortitude serve with an unusable DATABASE_URL', { timeout: GIVE_UP_MS + 15_000 }, () => {
  it.each([
    ['forked worker', {}],
    ['single process', SINGLE_PROCESS],
  ])('a database that does not exist: exits non-zero with one line naming DATABASE_URL and the fix (%s)', async (_shape, env) => {
    const outcome = await serve('postgres://postgres:s3cret-pw@127.0.0.1:5432/fortitude_no_such_database', env);
    expect(outcome.code).not.toBeNull(); // exited by itself, not killed by the test
    expect(outcome.code).toBe(8); // storage_error
    expect(outcome.listened).toBe(false);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(lines[0]).toContain('database "fortitude_no_such_database" does not exist');
    expect(lines[0]).toContain('createdb');
    expect(outcome.stderr + outcome.stdout).not.toContain('s3cret-pw');
  });

  it('nothing listening at the address: exits non-zero naming DATABASE_URL', async () => {
    const port = await freePort();
    const outcome = await serve(`postgres://postgres@127.0.0.1:${port}/fortitude`);
    expect(outcome.code).toBe(8);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(outcome.stderr).toMatch(new RegExp(`DATABASE_URL.*127\\.0\\.0\\.1:${port}.*refused`));
    expect(outcome.stderr).toContain('start PostgreSQL');
  });

  it('a role the server does not know: exits non-zero naming DATABASE_URL and the credentials', async () => {
    const outcome = await serve('postgres://fortitude_no_such_role:pw@127.0.0.1:5432/test');
    expect(outcome.code).toBe(8);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(outcome.stderr).toContain('DATABASE_URL');
    expect(outcome.stderr).toMatch(/user name or password/);
  });
});
