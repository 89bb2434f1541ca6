/**
 * `logging.file` on a real two-worker `fortitude serve`: the file is written (nothing on stdout),
 * the shared start-up line appears once, and a client that gives up on a slow request (or
 * abandons a research stream) leaves a debug line and a metric, not an error.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';
import { childEnv, parsePrometheus, sumOf } from './spawn-server.js';

const cwd = mkdtempSync(join(tmpdir(), 'fortitude-log-file-'));
const logPath = join(cwd, 'logs', 'fortitude.log');
writeFileSync(
  join(cwd, 'fortitude.yaml'),
  [
    'logging:',
    `  file: ${logPath}`,
    '  async_logging: false',
    '  levels: { root: debug }',
    '  sampling: { enabled: false }',
    '  rotation: { max_size_mb: 5, max_files: 2, compress: false }',
  ].join('\n'),
);
const child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, '--config', 'fortitude.yaml', 'serve', '--host', '127.0.0.1', '--port', '0', '--workers', '2'], {
  cwd,
  env: childEnv(cwd, { FORTITUDE_SIMULATOR__LATENCY_MS: '3000' }),
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stdout = '';
child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
child.stderr!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
});

const logText = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

async function waitForLog(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(logText());
    if (match) return match;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in the log file:\n${logText()}\nstdout/stderr:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('logging.file with two workers', () => {
  let url = '';

  it('writes the log file, not stdout, and logs the shared start-up line once', async () => {
    url = (await waitForLog(/Fortitude listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    await waitForLog(/worker \d listening on/);
    const lines = logText().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string });
    expect(lines.filter((line) => line.msg.startsWith('Fortitude listening on'))).toHaveLength(1);
    expect(lines.filter((line) => /^worker \d listening on/.test(line.msg))).toHaveLength(1);
    expect(stdout).not.toContain('listening on');
  }, 120_000);

  it('a client giving up on a slow request: a debug line and api_client_aborts_total, no error line', async () => {
    const controller = new AbortController();
    const pending = fetch(`${url}/api/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'a slow question for the abort test' }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 500);
    await expect(pending).rejects.toThrow();
    await waitForLog(/client closed the request before the answer/, 20_000);
    const errors = logText().split('\n').filter((line) => line.includes('"level":"error"'));
    expect(errors).toEqual([]);
    const deadline = Date.now() + 10_000;
    let aborts = 0;
    while (aborts === 0 && Date.now() < deadline) {
      aborts = sumOf(parsePrometheus(await (await fetch(`${url}/metrics`)).text()), 'fortitude_api_client_aborts_total');
      if (aborts === 0) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(aborts).toBe(1);
  }, 60_000);

  it('a client abandoning a research stream while the provider works: no error line (the chaos suite saw "research stream failed" AbortErrors)', async () => {
    const closedBefore = (logText().match(/client closed the request before the answer/g) ?? []).length;
    const controller = new AbortController();
    const response = await fetch(`${url}/api/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'a slow streamed question for the abort test', stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(() => (logText().match(/client closed the request before the answer/g) ?? []).length > closedBefore, 20_000);
    // The provider's 3 s answer would have come by now: whatever the abort broke has been logged.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const errors = logText().split('\n').filter((line) => line.includes('"level":"error"'));
    expect(errors).toEqual([]);
  }, 60_000);
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms:\n${logText()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
