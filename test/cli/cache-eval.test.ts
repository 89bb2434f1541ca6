import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

/** The real CLI as a process, in its own directory. */
function fortitude(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...FORTITUDE_NODE_ARGS, ...args],
      { cwd, encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const jsonl = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n');

const STORED = [
  'How do I spawn a background task in tokio and wait for it?',
  'How do I configure nginx as a reverse proxy with TLS?',
  'What is the difference between a B-tree and an LSM tree index?',
];
const UNRELATED = ['What is the capital of France?', 'Who painted the Mona Lisa?', 'How tall is Mount Everest?'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON reports walked by the assertions
type Report = Record<string, any>;

describe('fortitude cache eval (spawned process)', { timeout: 240_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-cache-eval-test-'));
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(() => {
    redis.disconnect();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('identical pairs are all served, clearly different questions never; nothing reaches the data dir, the database or Redis', async () => {
    const file = join(cwd, 'pairs.jsonl');
    writeFileSync(file, jsonl([
      ...STORED.map((question) => ({ q1: question, q2: question, duplicate: true, category: 'identical' })),
      ...STORED.map((question, index) => ({ q1: question, q2: UNRELATED[index], duplicate: false, category: 'unrelated' })),
    ]));
    const prefix = `cache-eval-test-${randomUUID()}:`;
    const dataDir = join(cwd, 'user-data');
    const run = await fortitude(cwd, ['cache', 'eval', '--pairs', file, '--json', '--sweep', '0.8,0.95'], {
      FORTITUDE_DATA_DIR: dataDir,
      // Were the evaluation to open the configured database it would fail: nothing listens on port 1.
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:6379',
      FORTITUDE_REDIS__KEY_PREFIX: prefix,
    });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.mode).toBe('pairs');
    expect(report.pairs).toBe(6);
    expect(report.recall).toMatchObject({ count: 3, total: 3, rate: 1, exact: 3 });
    expect(report.falseHits).toMatchObject({ count: 0, total: 3, rate: 0, low: 0 });
    expect(report.falseHits.high).toBeGreaterThan(0.4); // 0 of 3 proves little: the interval says so
    expect(report.categories.map((row: Report) => row.category)).toEqual(['identical', 'unrelated']);
    expect(report.sweep.map((row: Report) => row.threshold)).toEqual([0.8, 0.95]);
    expect(report.worstFalseHits).toEqual([]);
    expect(report.setup.semantic.embedder).toMatch(/^local/);
    expect(existsSync(report.setup.directory)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(cwd).sort()).toEqual(['pairs.jsonl']);
    await redis.connect();
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('the numbers follow the input: a pair labelled non-duplicate whose questions match is a false hit, named with its score', async () => {
    const file = join(cwd, 'mislabelled.jsonl');
    writeFileSync(file, jsonl([
      { q1: STORED[0], q2: STORED[0], duplicate: false, category: 'mislabelled' },
      { q1: STORED[1], q2: STORED[1]!.toLowerCase(), duplicate: false, category: 'mislabelled' },
      { q1: STORED[2], q2: UNRELATED[2], duplicate: false, category: 'unrelated' },
      { q1: STORED[0], q2: UNRELATED[0], duplicate: true, category: 'mislabelled' },
    ]));
    const run = await fortitude(cwd, ['cache', 'eval', '--pairs', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('recall (duplicates served):          0.0 % (0/1)');
    expect(run.stdout).toMatch(/false hits \(non-duplicates served\): +66\.7 % \(2\/3\) \[95 % CI [\d.]+ %–[\d.]+ %\]; exact 2/);
    expect(run.stdout).toContain('worst false hits (top 2 by similarity):');
    expect(run.stdout).toContain(`1.0000 exact    line 1, mislabelled: asked "${STORED[0]}"`);
    expect(run.stdout).toMatch(/mislabelled +│ 0\.0 % \(0\/1\) +│ 100\.0 % \(2\/2\)/);
    // Progress goes to stderr, the report to stdout.
    expect(run.stderr).toContain('cache eval: looking up q2: 4/4');
  });

  it('--populate: loaded questions are not first-time; an unseen question is not served', async () => {
    const populate = join(cwd, 'populate.txt');
    const queries = join(cwd, 'queries.jsonl');
    writeFileSync(populate, `${STORED.join('\n')}\n\n`);
    writeFileSync(queries, jsonl([STORED[0], { question: UNRELATED[0] }, { q: UNRELATED[1] }, `${STORED[1]!.toUpperCase()}`]));
    const run = await fortitude(cwd, ['cache', 'eval', '--populate', populate, '--queries', queries, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ mode: 'populate', populated: 3, skipped: 1 });
    // The upper-cased stored question is the same question to the exact tier: it is served.
    expect(report.served).toMatchObject({ count: 1, total: 3, exact: 1 });
    expect(report.worstServed[0]).toMatchObject({ stored: STORED[1], tier: 'exact' });
  });

  it('--populate --labels: a first-time question served a labelled duplicate (or its own text) is not a false one; an unlabelled rewording is', async () => {
    const populate = join(cwd, 'populate-labels.txt');
    const queries = join(cwd, 'queries-labels.txt');
    const labels = join(cwd, 'labels.jsonl');
    // "How do I" / "How can I": a rewrite the semantic tier serves.
    const reworded = STORED.map((question) => question.replace(/^How do I /, 'How can I '));
    writeFileSync(populate, STORED.join('\n'));
    writeFileSync(queries, [reworded[0], reworded[1], STORED[2]!.toUpperCase(), UNRELATED[0]].join('\n'));
    writeFileSync(labels, jsonl([{ q1: STORED[0], q2: reworded[0], duplicate: true }, { q1: STORED[1], q2: UNRELATED[1], duplicate: false }]));
    const run = await fortitude(cwd, ['cache', 'eval', '--populate', populate, '--queries', queries, '--labels', labels, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    // Three are served: two rewordings (semantic) and the upper-cased question (exact).
    expect(report.served).toMatchObject({ count: 3, total: 4, exact: 1, semantic: 2 });
    // Only the rewording no label names is false; the false ones are listed first.
    expect(report.falseServed).toMatchObject({ count: 1, total: 4, exact: 0, semantic: 1 });
    expect(report.worstServed[0]).toMatchObject({ asked: reworded[1], stored: STORED[1], labelledDuplicate: false });
    expect(report.worstServed.slice(1).map((row: Report) => row.labelledDuplicate)).toEqual([true, true]);
    // Without labels the report has no false count: it cannot tell.
    const unlabelled = await fortitude(cwd, ['cache', 'eval', '--populate', populate, '--queries', queries, '--json']);
    expect((JSON.parse(unlabelled.stdout) as Report).falseServed).toBeUndefined();
  });

  it('bad input: a clear error naming the file, line and field, exit 2, no stack trace', async () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(cwd, name), text);
      return join(cwd, name);
    };
    const cases: Array<[string[], RegExp]> = [
      [['--pairs', join(cwd, 'missing.jsonl')], /--pairs .*missing\.jsonl: cannot read the file \(no such file\)/],
      [['--pairs', write('bad-json.jsonl', `${jsonl([{ q1: 'a?', q2: 'b?', duplicate: true }])}\n{"q1": "x",\n`)], /bad-json\.jsonl line 2: not valid JSON/],
      [['--pairs', write('no-label.jsonl', jsonl([{ q1: 'What is Rust?', q2: 'What is Go?', duplicate: 'yes' }]))], /no-label\.jsonl line 1: field "duplicate": expected true or false \(got "yes"\)/],
      [['--pairs', write('no-q2.jsonl', `\n${jsonl([{ q1: 'What is Rust?', duplicate: false }])}`)], /no-q2\.jsonl line 2: field "q2": expected a question string \(missing\)/],
      [['--pairs', write('punct.jsonl', jsonl([{ q1: '?!', q2: 'What?', duplicate: false }]))], /punct\.jsonl line 1: field "q1": must contain a question/],
      [['--pairs', write('array.jsonl', '[1, 2]')], /array\.jsonl line 1: expected a JSON object/],
      [['--pairs', write('empty.jsonl', '\n\n')], /empty\.jsonl: no pairs found/],
      [['--sweep', '0.8,abc', '--pairs', join(cwd, 'pairs.jsonl')], /--sweep: expected comma-separated similarity thresholds/],
      [['--labels', join(cwd, 'pairs.jsonl'), '--pairs', join(cwd, 'pairs.jsonl')], /--labels: only used with --populate FILE/],
      [['--populate', join(cwd, 'pairs.jsonl'), '--pairs', join(cwd, 'pairs.jsonl'), '--labels', write('bad-labels.jsonl', jsonl([{ q1: 'What is Rust?', q2: 'What is Go?' }]))], /--labels .*bad-labels\.jsonl line 1: field "duplicate"/],
      [[], /pass --pairs FILE/],
    ];
    const runs = await Promise.all(cases.map(([args]) => fortitude(cwd, ['cache', 'eval', ...args])));
    for (const [index, run] of runs.entries()) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(cases[index]![1]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe('');
    }
  });
});
