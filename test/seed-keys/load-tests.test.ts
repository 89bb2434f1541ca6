/**
 * Issue 20, `load_tests.provider_tests` and `load_tests.database_tests`: `fortitude benchmark
 * --scenario <name>` runs them. A provider test pins research requests to each listed provider in
 * turn with `concurrent_requests` in flight (against a server on the simulator); a database test
 * runs `concurrent_queries` library reads over a pool of `connection_pool_size` connections to
 * the configured PostgreSQL. Values unlike the seed's show the keys are read: the providers
 * listed, the in-flight count, the PostgreSQL connections opened; `monitoring.generate_report`
 * decides whether the report file is written.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createScratchDatabase } from '../replicas/replica-harness.js';
import { runFortitude } from '../observability/spawn-server.js';

interface Report {
  kind: string;
  concurrency: number;
  connectionPoolSize?: number;
  requests: number;
  errors: number;
  rows: { target: string; requests: number; errors: number; maxInFlight: number }[];
}

it('provider_tests: each listed provider, and only those, under concurrent_requests in flight', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-provider-tests-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    [
      // A loaded test machine answers slowly: no hedge to another provider (which the test counts as an error).
      'providers:',
      '  claude: { hedge_after: 30s }',
      '  gemini: { hedge_after: 30s }',
      // Results on stdout only: no report file.
      'monitoring: { generate_report: false }',
      'load_tests:',
      '  provider_tests:',
      '    - { name: two_providers, providers: [claude, gemini], concurrent_requests: 3, duration: 1s }',
      '',
    ].join('\n'),
  );
  const run = await runFortitude(cwd, ['--config', 'fortitude.yaml', 'benchmark', '--scenario', 'two_providers', '--output-dir', 'reports', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as Report;
  expect(report.kind).toBe('provider_tests');
  expect(report.rows.map((row) => row.target)).toEqual(['claude', 'gemini']);
  expect(existsSync(join(cwd, 'reports', 'benchmark-two_providers.json'))).toBe(false);
  for (const row of report.rows) {
    expect(row.requests).toBeGreaterThanOrEqual(3);
    expect(row.errors).toBe(0);
    expect(row.maxInFlight).toBe(3);
  }
  // A provider the config does not have is an error naming the key.
  writeFileSync(join(cwd, 'fortitude.yaml'), ['load_tests:', '  provider_tests:', '    - { name: bad, providers: [nope], concurrent_requests: 1, duration: 1s }', ''].join('\n'));
  const bad = await runFortitude(cwd, ['--config', 'fortitude.yaml', 'benchmark', '--scenario', 'bad']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('load_tests.provider_tests "bad".providers: "nope" is not a configured provider');
}, 120_000);

it('database_tests: concurrent_queries reads over at most connection_pool_size PostgreSQL connections', async () => {
  const scratch = await createScratchDatabase();
  const watcher = new pg.Client({ connectionString: scratch.url.replace(/\/[^/]+$/, '/postgres') });
  await watcher.connect();
  try {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-database-tests-'));
    const database = scratch.url.slice(scratch.url.lastIndexOf('/') + 1);
    writeFileSync(
      join(cwd, 'fortitude.yaml'),
      // database.pool_size would allow 10: the test's own pool size must win.
      ['database: { pool_size: 10 }', 'load_tests:', '  database_tests:', '    - { name: small_pool, connection_pool_size: 2, concurrent_queries: 6, duration: 2s }', ''].join('\n'),
    );
    let most = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database]);
        most = Math.max(most, Number(rows[0]!.n));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const run = await runFortitude(cwd, ['--config', 'fortitude.yaml', 'benchmark', '--scenario', 'small_pool', '--output-dir', 'reports', '--json'], { DATABASE_URL: scratch.url });
    watching = false;
    await watch;
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ kind: 'database_tests', concurrency: 6, connectionPoolSize: 2, errors: 0 });
    expect(report.requests).toBeGreaterThan(6);
    expect(report.rows[0]!.maxInFlight).toBe(6);
    // monitoring.generate_report defaults to true: the report file is written.
    expect(existsSync(join(cwd, 'reports', 'benchmark-small_pool.json'))).toBe(true);
    // Six queries in flight, two connections: the pool is the test's, not database.pool_size.
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(2);
  } finally {
    await watcher.end();
    await scratch.drop();
  }
}, 120_000);
