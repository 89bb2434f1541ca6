import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFortitude } from './spawn-server.js';

/**
 * `fortitude benchmark` as a user runs it: no --url, so it starts its own `fortitude serve` on
 * the simulator (a throw-away data directory), load-tests it and stops it.
 */
describe('fortitude benchmark (spawned, default in-process-started server)', { timeout: 120_000 }, () => {
  it('runs the seed’s baseline scenario at a tiny scale and writes its reports', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-benchmark-test-'));
    const run = await runFortitude(cwd, ['benchmark', '--scenario', 'baseline_performance', '--scale', '0.1', '--duration', '3', '--output-dir', 'reports']);
    // A missed performance target (a busy machine) exits 9; the run itself succeeded.
    expect(run.code, run.stderr).toBe(/^FAIL /m.test(run.stdout) ? 9 : 0);
    expect(run.stderr).toMatch(/load test "baseline_performance" against http:\/\/127\.0\.0\.1:\d+: 10 users, 7\.5 rps, 3 s \(ramp-up 0\.6 s\)/);
    expect(run.stdout).toContain('reports:');
    const markdown = readFileSync(join(cwd, 'reports', 'benchmark-baseline_performance.md'), 'utf8');
    expect(markdown).toContain('simple_queries 60% @ 50 rps');
    expect(markdown).toMatch(/\| research_simple \| \d+ \|/);
    expect(markdown).toContain('| p95 response time | <= 200 ms |');
    const report = JSON.parse(readFileSync(join(cwd, 'reports', 'benchmark-baseline_performance.json'), 'utf8')) as { result: { overall: { requests: number; errors: number } } };
    expect(report.result.overall.requests).toBeGreaterThan(5);
    expect(report.result.overall.errors).toBe(0);
    // The server it started used its own data directory, not this one.
    expect(() => readFileSync(join(cwd, '.fortitude', 'fortitude.db'))).toThrow();
  });
});
