import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFortitude } from './spawn-server.js';

/** `benchmark` fails (exit 9) when it prints FAIL; `analyze-providers --results-dir` reads that folder. */
describe('fortitude benchmark: exit code and --results-dir', { timeout: 120_000 }, () => {
  it('exits 9 when a performance target is missed (p95 goal of 1 ms), naming the miss', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-benchmark-exit-'));
    writeFileSync(join(cwd, 'fortitude.yaml'), 'performance_targets:\n  api_response_time_p95: 1ms\n');
    const run = await runFortitude(cwd, ['--config', 'fortitude.yaml', 'benchmark', '--scenario', 'spike_test', '--scale', '0.004', '--duration', '2', '--output-dir', 'reports']);
    expect(run.stdout).toMatch(/^FAIL p95 response time/m);
    expect(run.stdout).toContain('benchmark failed: ');
    expect(run.code, run.stderr).toBe(9);
  });

  it('analyze-providers --results-dir: a missing folder is an error naming the flag', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-results-dir-'));
    const missing = await runFortitude(cwd, ['benchmark', 'analyze-providers', '--results-dir', 'no-such-dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--results-dir: no such folder');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    mkdirSync(join(cwd, 'empty'));
    const empty = await runFortitude(cwd, ['benchmark', 'analyze-providers', '--results-dir', 'empty']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no provider-<name>-results.txt files');
  });

  it('analyze-providers --results-dir: ranks the providers by the curl timings in the folder', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-results-dir-'));
    const dir = join(cwd, 'results');
    mkdirSync(dir);
    writeFileSync(join(dir, 'provider-openai-results.txt'), 'http_code: 200\ntime_total: 0.900s\nhttp_code: 200\ntime_total: 1.100s\n');
    writeFileSync(join(dir, 'provider-gemini-results.txt'), 'http_code: 200\ntime_total: 0.200s\nhttp_code: 500\ntime_total: 0.300s\nhttp_code: 200\ntime_total: 0.250s\n');
    const run = await runFortitude(cwd, ['benchmark', 'analyze-providers', '--results-dir', 'results', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { providers: { provider: string; requests: number; errors: number; p95Ms: number }[] };
    expect(report.providers.map((row) => row.provider)).toEqual(['gemini', 'openai']);
    expect(report.providers[0]).toMatchObject({ requests: 3, errors: 1, p95Ms: 300 });
    expect(report.providers[1]).toMatchObject({ requests: 2, errors: 0, p95Ms: 1100 });
    // Other input, other answer.
    writeFileSync(join(dir, 'provider-gemini-results.txt'), 'time_total: 5.000\n');
    const again = JSON.parse((await runFortitude(cwd, ['benchmark', 'analyze-providers', '--results-dir', 'results', '--format', 'json'])).stdout) as typeof report;
    expect(again.providers.map((row) => row.provider)).toEqual(['openai', 'gemini']);
  });
});
