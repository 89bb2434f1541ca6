import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

const BROKEN = new URL('../fixtures/config/broken/', import.meta.url).pathname;

/** Node arguments that make any server's `listen` throw in the spawned process: the simulator's included. */
const NO_PORT: readonly string[] = ['--import', 'data:text/javascript,import net from "node:net"; net.Server.prototype.listen = function () { throw new Error("a port was opened") };'];

/** Runs the real CLI as a process in its own directory, on embedded defaults and the simulator. */
function fortitude(cwd: string, args: string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, ...FORTITUDE_NODE_ARGS, ...args],
      { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '0', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

// Each spawn starts a real process (from dist/ when it is built, else the sources through tsx): seconds per command on a busy machine.
describe('fortitude CLI (spawned process)', { timeout: 180_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-cli-'));

  it('researches end to end on the embedded defaults, labelled as simulated, and stores the answer', async () => {
    const run = await fortitude(cwd, ['research', 'How do I spawn a background task in tokio and wait for it?', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by the assertions
    const result = JSON.parse(run.stdout) as Record<string, any>;
    expect(result.notice).toMatch(/SIMULATED/);
    expect(result.simulated).toBe(true);
    expect(result.classification.researchType.value).toBe('implementation');
    expect(result.classification.domain.value).toBe('rust');
    expect(result.answer).toContain('```');
    expect(result.quality.composite).toBeGreaterThanOrEqual(0.8);
    expect(existsSync(join(cwd, '.fortitude', 'fortitude.db'))).toBe(true);
    const exported = readdirSync(join(cwd, 'reference_library', 'implementation'));
    expect(exported).toEqual([`${result.slug}.md`]);
    expect(readFileSync(join(cwd, 'reference_library', 'implementation', exported[0]!), 'utf8')).toContain('simulated: true');

    const human = await fortitude(cwd, ['research', 'Should I use PostgreSQL or MongoDB for an event store?']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^⚠ SIMULATED ANSWER/);
    expect(human.stdout).toContain('type decision');

    const list = JSON.parse((await fortitude(cwd, ['list', '--json'])).stdout) as { items: { id: string; query: string }[]; total: number };
    expect(list.total).toBe(2);
    const search = JSON.parse((await fortitude(cwd, ['search', 'tokio', '--json'])).stdout) as { items: { id: string }[] };
    expect(search.items.map((item) => item.id)).toEqual([result.id]);
    const shown = await fortitude(cwd, ['show', String(result.id).slice(0, 8)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(result.id);

    const feedback = await fortitude(cwd, ['feedback', result.id, '--rating', '4', '-m', 'useful']);
    expect(feedback.code).toBe(0);
    expect(feedback.stdout).toContain('4/5');
  }, 120_000);

  it('answers a repeated question from the persistent cache in a new process', async () => {
    const first = JSON.parse((await fortitude(cwd, ['research', 'What is a Rust lifetime?', '--json'])).stdout) as { id: string; cache: { kind: string } };
    expect(first.cache.kind).toBe('miss');
    const second = JSON.parse((await fortitude(cwd, ['research', 'what is a rust lifetime', '--json'])).stdout) as { id: string; cache: { kind: string } };
    expect(second.cache.kind).toBe('exact');
    expect(second.id).toBe(first.id);
  });

  it('rejects bad input with a clear message and exit 2, never a stack trace', async () => {
    const cases = [
      ['feedback', 'anything', '--rating', '9'],
      ['research', 'q', '--type', 'opinion'],
      ['research', 'q', '--quality-threshold', '2'],
      ['list', '--limit', 'many'],
      ['--config', join(BROKEN, '03-weights-not-one.yaml'), 'config', 'validate'],
      ['no-such-command'],
    ];
    const runs = await Promise.all(cases.map((args) => fortitude(cwd, args)));
    runs.forEach((run, index) => {
      expect(run.code, cases[index]!.join(' ')).toBe(2);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(run.stderr.length).toBeGreaterThan(10);
    });
  });

  it('reports a missing result as not found (exit 3)', async () => {
    const run = await fortitude(cwd, ['show', 'no-such-result']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no research result');
  });

  it('validates a config file and shows it with secrets masked', async () => {
    const valid = await fortitude(cwd, ['config', 'validate']);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('simulated');
    const shown = await fortitude(cwd, ['config', 'show', '--json'], { OPENAI_API_KEY: 'sk-proj-supersecretvalue1234567890' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain('supersecretvalue');
    expect(JSON.parse(shown.stdout).providers.openai.api_key).toMatch(/^\*\*\*\*/);
  });

  it('creates an API key once and lists it without the secret', async () => {
    const created = await fortitude(cwd, ['keys', 'create', '--name', 'ci', '--scopes', 'research', '--json']);
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    expect(key).toMatch(/^ftd_/);
    const listed = await fortitude(cwd, ['keys', 'list', '--json']);
    expect(listed.stdout).not.toContain(key);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ name: 'ci', scopes: ['research'] });
    expect((await fortitude(cwd, ['keys', 'create', '--name', 'x', '--scopes', 'root'])).code).toBe(2);
  });

  it('keys list opens the database and nothing else: no shared state, cache, library export or Redis', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'fortitude-cli-keys-'));
    // An unreachable Redis: the whole application would try it and log that it is degraded.
    const listed = await fortitude(fresh, ['keys', 'list', '--json'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    // `research` here would also create shared-state.db (budgets, limits) and the disk cache level.
    expect(readdirSync(fresh)).toEqual(['.fortitude']);
    expect(readdirSync(join(fresh, '.fortitude')).filter((name) => !name.startsWith('fortitude.db'))).toEqual([]);
  });

  it('costs, learning status, feedback and providers status without a server open no port: no provider stack, no simulator', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'fortitude-cli-stored-'));
    const researched = await fortitude(fresh, ['research', 'How do I spawn a background task in tokio and wait for it?', '--json']);
    expect(researched.code).toBe(0);
    const result = JSON.parse(researched.stdout) as { id: string; provider: string; classification: { researchType: { value: string } } };
    // Every provider here is simulated: building them starts the simulator on a port, which fails the command.
    const stored = (args: string[]) => fortitude(fresh, args, { FORTITUDE_URL: 'http://127.0.0.1:1' }, NO_PORT);
    const qualitySamples = async () => {
      const run = await stored(['learning', 'status', '--format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      const status = JSON.parse(run.stdout) as { estimates: { provider: string; researchType: string; samples: number; qualitySamples: number }[] };
      const estimate = status.estimates.find((entry) => entry.provider === result.provider && entry.researchType === result.classification.researchType.value);
      expect(estimate?.samples).toBeGreaterThan(0);
      return estimate?.qualitySamples ?? 0;
    };

    const costs = await stored(['costs', 'analyze', '--format', 'json']);
    expect(costs.code, costs.stderr).toBe(0);
    expect((JSON.parse(costs.stdout) as { totals: { requests: number } }).totals.requests).toBeGreaterThan(0);
    const before = await qualitySamples();
    const feedback = await stored(['feedback', result.id, '--rating', '4']);
    expect(feedback.code, feedback.stderr).toBe(0);
    expect(feedback.stdout).toContain('4/5');
    // The rating reached the learned routing state the next process reads.
    expect(await qualitySamples()).toBe(before + 1);
    const providers = await stored(['providers', 'status', '--json']);
    expect(providers.code, providers.stderr).toBe(0);
    expect(providers.stderr).toContain('no Fortitude server');
    const rows = JSON.parse(providers.stdout) as { name: string; simulated: boolean; breaker: string; configured: boolean }[];
    expect(rows.map((row) => row.name)).toEqual(['openai', 'claude', 'gemini']);
    expect(rows.every((row) => row.simulated && row.configured && row.breaker === 'closed')).toBe(true);
  }, 120_000);

  it('lists every seed command in --help', async () => {
    const help = (await fortitude(cwd, ['--help'])).stdout;
    for (const command of ['serve', 'research', 'performance', 'profile', 'costs', 'benchmark', 'cache', 'providers', 'config']) expect(help).toContain(command);
  });
});
