import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `fortitude serve --workers 1` as users run it (embedded defaults, simulated providers), in a
 * scratch directory, with provider request and token rates high enough never to bind. Resolves
 * with its URL once it logs it; `stop()` ends its whole process group (serve may fork a worker).
 */
export async function spawnServe(options: { simulatorLatencyMs: number; label: string }): Promise<{ url: string; child: ChildProcess; stop(): void }> {
  const cwd = mkdtempSync(join(tmpdir(), `fortitude-${options.label}-`));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: String(options.simulatorLatencyMs) };
  for (const provider of ['OPENAI', 'CLAUDE', 'GEMINI']) {
    env[`FORTITUDE_PROVIDERS__${provider}__RATE_LIMIT__REQUESTS_PER_MINUTE`] = '100000000';
    env[`FORTITUDE_PROVIDERS__${provider}__RATE_LIMIT__TOKENS_PER_MINUTE`] = '100000000000';
  }
  const tsx = new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).pathname;
  const main = new URL('../../src/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', tsx, main, 'serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]!);
      }
    }, 50);
  });
  return { url, child, stop: () => process.kill(-child.pid!, 'SIGTERM') };
}
