import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newTable } from '../table.js';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { CliContext } from '../cli-context.js';
import { BENCHMARK_FAILED_EXIT_CODE } from '../exit-codes.js';
import { formatMs as ms, parseDuration } from './server-client.js';
import type { CapacityReport, DatabaseTest, ProviderTest } from '../../../operations/load-test/capacity-tests.js';
import type { PerformanceTargets } from '../../../operations/load-test/load-test-report.js';

/**
 * `fortitude benchmark --scenario <name>`: a `load_tests.provider_tests` or `database_tests`
 * entry as a closed loop (runCapacityTest), or one of the seed's `load_tests.api_tests`
 * (baseline_performance, stress_test, spike_test) as an open-loop load test, scaled with `--scale` and `--duration`,
 * against `--url` or (by default) a `fortitude serve` started for the run on a loopback port
 * with its own data directory. Loopback only. Writes Markdown, HTML and JSON reports.
 */

interface BenchmarkOptions {
  scenario?: string;
  scale: string;
  duration?: string;
  url?: string;
  apiKey?: string;
  outputDir: string;
  seed: string;
  json?: boolean;
}

export function registerBenchmarkCommand(benchmark: Command, context: CliContext): void {
  benchmark
    .option('--scenario <name>', 'a load_tests entry: api_tests (baseline_performance, stress_test, spike_test), provider_tests (provider_capacity) or database_tests (query_performance)')
    .option('--scale <factor>', 'multiplies users and request rates (e.g. 0.01 to run on a laptop)', '1')
    .option('--duration <seconds>', 'replaces the configured duration (the ramp-up keeps its share), e.g. 10 or 2m')
    .option('--url <url>', 'a running Fortitude on loopback (default: start one on the simulator for the run)')
    .option('--api-key <key>', 'API key for a server that requires auth (research scope)')
    .option('--output-dir <dir>', 'where the reports go', 'bench/out')
    .option('--seed <n>', 'request sequence seed', '1')
    .option('--json', 'print the result as JSON')
    .action(async (options: BenchmarkOptions) => {
      const config = context.loadConfig();
      const { apiTests, performanceTargets } = config;
      const names = [...apiTests, ...config.providerTests, ...config.databaseTests].map((test) => test.name);
      if (!options.scenario) throw new FortitudeError('bad_request', `--scenario: required (one of ${names.join(', ')}; see load_tests)`);
      const providerTest = config.providerTests.find((test) => test.name === options.scenario);
      const databaseTest = config.databaseTests.find((test) => test.name === options.scenario);
      if (!apiTests.some((test) => test.name === options.scenario) && (providerTest || databaseTest)) {
        return runCapacityTest(context, options, { providerTest, databaseTest, errorRate: performanceTargets.errorRate });
      }
      if (!names.includes(options.scenario)) throw new FortitudeError('bad_request', `--scenario: "${options.scenario}" is not in load_tests; configured: ${names.join(', ')}`);
      // Imported when a load test runs: every other command (and --help) starts without them.
      const [{ planLoadTest }, { buildLoadReport, renderLoadReportHtml, renderLoadReportMarkdown }, { runLoad }, { isLoopbackHost }] = await Promise.all([
        import('../../../operations/load-test/load-plan.js'),
        import('../../../operations/load-test/load-test-report.js'),
        import('../../../operations/load-test/open-loop-runner.js'),
        import('../../http/auth.js'),
      ]);
      const scale = Number(options.scale);
      const plan = planLoadTest(apiTests, options.scenario, {
        scale,
        ...(options.duration ? { durationMs: parseDuration(options.duration, '--duration') } : {}),
      });
      if (options.url !== undefined && !isLoopbackHost(safeHost(options.url))) {
        throw new FortitudeError('bad_request', `--url: the load test only targets loopback addresses (got ${options.url})`);
      }
      const server = options.url ? undefined : await startServer(context);
      const url = options.url?.replace(/\/+$/, '') ?? server!.url;
      context.err(`load test "${plan.scenario}" against ${url}: ${plan.users} users, ${plan.targetRps.toFixed(1)} rps, ${(plan.durationMs / 1000).toFixed(0)} s (ramp-up ${(plan.rampUpMs / 1000).toFixed(1)} s)`);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      let result;
      try {
        result = await runLoad({
          url,
          plan,
          seed: Number(options.seed) || 1,
          signal: controller.signal,
          ...(options.apiKey ? { headers: { authorization: `Bearer ${options.apiKey}` } } : {}),
          onProgress: (progress) => context.err(`  ${(progress.elapsedMs / 1000).toFixed(0)} s: ${progress.sent} sent, ${progress.completed} done, ${progress.errors} errors, ${progress.inFlight} in flight`),
        });
      } finally {
        process.off('SIGINT', onSignal);
        await server?.close();
      }
      const report = buildLoadReport({ url, plan, result, targets: performanceTargets });
      const base = join(resolve(options.outputDir), `benchmark-${plan.scenario}`);
      // `monitoring.generate_report: false`: results on stdout only.
      if (config.generateReport) {
        mkdirSync(resolve(options.outputDir), { recursive: true });
        writeFileSync(`${base}.md`, renderLoadReportMarkdown(report));
        writeFileSync(`${base}.html`, renderLoadReportHtml(report));
        writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
      }
      // A missed target fails the command (CI scripts run it with `set -e`).
      const failed = report.targets.filter((check) => check.status === 'fail');
      if (failed.length > 0) {
        if (context.setExitCode) context.setExitCode(BENCHMARK_FAILED_EXIT_CODE);
        else process.exitCode = BENCHMARK_FAILED_EXIT_CODE;
      }
      if (options.json) return context.out(JSON.stringify(report, null, 2));
      const table = newTable({ head: ['request', 'n', 'errors', 'rps', 'p50', 'p95', 'p99', 'max'], style: { head: [], border: [] } });
      for (const entry of [result.overall, ...result.byKind]) table.push([entry.kind, entry.requests, entry.errors, entry.throughput.toFixed(1), ms(entry.p50), ms(entry.p95), ms(entry.p99), ms(entry.max)]);
      context.out(
        [
          table.toString(),
          ...report.targets.map((check) => `${check.status.toUpperCase().padEnd(4)} ${check.name}: ${check.observed} (goal ${check.target})${check.note ? ` — ${check.note}` : ''}`),
          config.generateReport ? `reports: ${base}.md, ${base}.html, ${base}.json` : 'reports: not written (monitoring.generate_report: false)',
          ...(failed.length > 0 ? [`benchmark failed: ${failed.length} performance target(s) missed (exit ${BENCHMARK_FAILED_EXIT_CODE})`] : []),
        ].join('\n'),
      );
    });
}

/**
 * A `load_tests.provider_tests` or `database_tests` entry (operations/load-test/capacity-tests.ts):
 * a table per target, JSON with `--json`, the report written beside the API tests' reports, and
 * exit 9 when the error rate misses `performance_targets.error_rate`.
 */
async function runCapacityTest(
  context: CliContext,
  options: BenchmarkOptions,
  tests: { providerTest: ProviderTest | undefined; databaseTest: DatabaseTest | undefined; errorRate: PerformanceTargets['errorRate'] },
): Promise<void> {
  const [capacity, { isLoopbackHost }] = await Promise.all([import('../../../operations/load-test/capacity-tests.js'), import('../../http/auth.js')]);
  const config = context.loadConfig();
  const run = { scale: Number(options.scale), durationMs: options.duration ? parseDuration(options.duration, '--duration') : undefined };
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  let report: CapacityReport;
  try {
    if (tests.providerTest) {
      const test = tests.providerTest;
      if (options.url !== undefined && !isLoopbackHost(safeHost(options.url))) {
        throw new FortitudeError('bad_request', `--url: the load test only targets loopback addresses (got ${options.url})`);
      }
      // Bad providers, --scale or --duration fail before a server starts.
      capacity.checkProviders(test, config.providers.map((provider) => provider.name));
      capacity.scaledRun(test.concurrentRequests, test.durationMs, run);
      const server = options.url ? undefined : await startServer(context);
      const url = options.url?.replace(/\/+$/, '') ?? server!.url;
      context.err(`provider test "${test.name}" against ${url}: ${test.providers.join(', ')}, one after another`);
      try {
        report = await capacity.runProviderTest(
          test,
          { url, configuredProviders: config.providers.map((provider) => provider.name), ...(options.apiKey ? { headers: { authorization: `Bearer ${options.apiKey}` } } : {}) },
          { ...run, signal: controller.signal, onProgress: (text) => context.err(text) },
        );
      } finally {
        await server?.close();
      }
    } else {
      const test = tests.databaseTest!;
      if (config.databaseHost !== undefined && !isLoopbackHost(config.databaseHost)) {
        throw new FortitudeError('bad_request', `load_tests.database_tests "${test.name}": the load test only targets a database on loopback (database.url names ${config.databaseHost})`);
      }
      capacity.scaledRun(test.concurrentQueries, test.durationMs, run);
      context.err(`database test "${test.name}" on the configured ${config.databaseHost === undefined ? 'SQLite' : 'PostgreSQL'} database (reads only)`);
      const data = await context.openStoredData({ poolSize: test.connectionPoolSize });
      try {
        report = await capacity.runDatabaseTest(test, data, { ...run, signal: controller.signal, onProgress: (text) => context.err(text) });
      } finally {
        await data.close();
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  const { isSatisfied } = await import('../../../core/bound.js');
  const errorCheck = { target: `${tests.errorRate.op} ${(tests.errorRate.value * 100).toFixed(3)}%`, observed: report.errorRate, pass: report.requests > 0 && isSatisfied(tests.errorRate, report.errorRate) };
  const file = join(resolve(options.outputDir), `benchmark-${report.scenario}.json`);
  if (config.generateReport) {
    mkdirSync(resolve(options.outputDir), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...report, errorRateTarget: errorCheck }, null, 2));
  }
  if (!errorCheck.pass) {
    if (context.setExitCode) context.setExitCode(BENCHMARK_FAILED_EXIT_CODE);
    else process.exitCode = BENCHMARK_FAILED_EXIT_CODE;
  }
  if (options.json) return context.out(JSON.stringify({ ...report, errorRateTarget: errorCheck }, null, 2));
  const table = newTable({ head: [report.kind === 'provider_tests' ? 'provider' : 'query', 'n', 'errors', 'per s', 'p50', 'p95', 'p99', 'max', 'in flight'], style: { head: [], border: [] } });
  for (const row of report.rows) table.push([row.target, row.requests, row.errors, row.throughput.toFixed(1), ms(row.p50), ms(row.p95), ms(row.p99), ms(row.max), row.maxInFlight]);
  const firstError = report.rows.find((row) => row.firstError)?.firstError;
  context.out(
    [
      `${report.kind} "${report.scenario}": ${report.concurrency} concurrent${report.connectionPoolSize ? `, pool ${report.connectionPoolSize}` : ''}, ${(report.durationMs / 1000).toFixed(0)} s${report.kind === 'provider_tests' ? ' per provider' : ''}`,
      table.toString(),
      `${errorCheck.pass ? 'PASS' : 'FAIL'} error_rate: ${(report.errorRate * 100).toFixed(3)}% (${report.errors} of ${report.requests}) (goal ${errorCheck.target})${firstError ? ` — first error: ${firstError}` : ''}`,
      config.generateReport ? `report: ${file}` : 'report: not written (monitoring.generate_report: false)',
      ...(errorCheck.pass ? [] : [`benchmark failed: error rate target missed (exit ${BENCHMARK_FAILED_EXIT_CODE})`]),
    ].join('\n'),
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    throw new FortitudeError('bad_request', `--url: not a URL (got "${url}")`);
  }
}

/**
 * `fortitude serve` as a child of this process (the same Node flags and entry point), on a free
 * loopback port with a throw-away data directory, so the load test measures a real server
 * without touching the user's library.
 */
async function startServer(context: CliContext): Promise<{ url: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fortitude-benchmark-'));
  const entry = process.argv[1];
  if (!entry) throw new FortitudeError('internal', 'cannot find the fortitude entry point to start a server');
  const config = context.globalOptions().config;
  const args = [...process.execArgv, entry, ...(config ? ['--config', resolve(config)] : []), 'serve', '--host', '127.0.0.1', '--port', '0'];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...context.env, FORTITUDE_DATA_DIR: dataDir, FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: join(dataDir, 'reference_library') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const close = () =>
    new Promise<void>((done) => {
      const finish = () => {
        rmSync(dataDir, { recursive: true, force: true });
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        finish();
      });
      child.kill('SIGTERM');
    });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new FortitudeError('timeout', `the benchmark server did not start within 60 s:\n${output.slice(-2000)}`)), 60_000);
      const watch = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          child.stdout!.off('data', watch);
          resolveUrl(match[1]!);
        }
      };
      child.stdout!.on('data', watch);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new FortitudeError('internal', `the benchmark server exited (${code}) before listening:\n${output.slice(-2000)}`));
      });
    });
    return { url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
