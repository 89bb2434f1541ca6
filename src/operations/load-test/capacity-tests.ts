import { FortitudeError } from '../../core/errors.js';
import type { StoredData } from '../../pipeline/fortitude.js';
import { runClosedLoop, type ClosedLoopResult } from './closed-loop.js';
import { LIMITS } from './load-plan.js';

/**
 * The seed's `load_tests.provider_tests` and `load_tests.database_tests`, run by
 * `fortitude benchmark --scenario <name>` as closed loops (a fixed number in flight):
 *
 * - a provider test sends research requests pinned to each listed provider in turn
 *   (`concurrent_requests` at once, for `duration` each), cache bypassed, so every request
 *   reaches the provider (the simulator, on the server the benchmark starts);
 * - a database test opens the configured database with a `connection_pool_size` pool and runs
 *   `concurrent_queries` library reads at once (list pages, full-text search, look-ups by id:
 *   the reads the API serves) for `duration`. Reads only: the library is not changed.
 *
 * `scale` multiplies the concurrency (like the API tests' users) and `durationMs` replaces the
 * configured duration; both are bounded like the API tests.
 */

export interface ProviderTest {
  name: string;
  providers: readonly string[];
  concurrentRequests: number;
  durationMs: number;
}

export interface DatabaseTest {
  name: string;
  connectionPoolSize: number;
  concurrentQueries: number;
  durationMs: number;
}

export interface CapacityOptions {
  scale: number;
  durationMs?: number | undefined;
  signal?: AbortSignal;
  onProgress?(text: string): void;
}

export interface CapacityRow extends ClosedLoopResult {
  /** The provider, or the database query kind. */
  target: string;
}

export interface CapacityReport {
  scenario: string;
  kind: 'provider_tests' | 'database_tests';
  /** Concurrency after `scale`. */
  concurrency: number;
  /** Per target (provider) for provider tests, for the whole run for database tests, ms. */
  durationMs: number;
  /** Database tests: the pool size the database was opened with. */
  connectionPoolSize?: number;
  rows: CapacityRow[];
  requests: number;
  errors: number;
  errorRate: number;
}

/** Concurrency and duration after `--scale` and `--duration`, within the API tests' bounds. */
export function scaledRun(concurrency: number, configuredMs: number, options: Pick<CapacityOptions, 'scale' | 'durationMs'>): { concurrency: number; durationMs: number } {
  const { scale } = options;
  if (!(scale > 0 && scale <= 10)) throw new FortitudeError('bad_request', `--scale: expected a factor above 0 and at most 10 (got ${scale})`);
  const durationMs = options.durationMs ?? configuredMs;
  if (!(durationMs >= 1000 && durationMs <= LIMITS.maxDurationMs)) throw new FortitudeError('bad_request', `--duration: expected 1 s to ${LIMITS.maxDurationMs / 60_000} min (got ${durationMs / 1000} s)`);
  const scaled = Math.max(1, Math.round(concurrency * scale));
  if (scaled > LIMITS.maxUsers) throw new FortitudeError('bad_request', `scaled concurrency ${scaled} is above this tool's bound (${LIMITS.maxUsers}); lower --scale`);
  return { concurrency: scaled, durationMs };
}

const summed = (scenario: string, kind: CapacityReport['kind'], run: { concurrency: number; durationMs: number }, rows: CapacityRow[]): CapacityReport => {
  const requests = rows.reduce((total, row) => total + row.requests, 0);
  const errors = rows.reduce((total, row) => total + row.errors, 0);
  return { scenario, kind, ...run, rows, requests, errors, errorRate: requests === 0 ? 0 : errors / requests };
};

/** Every provider a test names must be configured (checked before a server is started). */
export function checkProviders(test: ProviderTest, configuredProviders: readonly string[]): void {
  for (const provider of test.providers) {
    if (!configuredProviders.includes(provider)) {
      throw new FortitudeError('bad_request', `load_tests.provider_tests "${test.name}".providers: "${provider}" is not a configured provider (configured: ${configuredProviders.join(', ')})`);
    }
  }
}

/** A provider test against a running server at `url` (loopback; checked by the caller). */
export async function runProviderTest(
  test: ProviderTest,
  deps: { url: string; headers?: Record<string, string>; configuredProviders: readonly string[] },
  options: CapacityOptions,
): Promise<CapacityReport> {
  checkProviders(test, deps.configuredProviders);
  const run = scaledRun(test.concurrentRequests, test.durationMs, options);
  const rows: CapacityRow[] = [];
  for (const provider of test.providers) {
    options.onProgress?.(`  ${provider}: ${run.concurrency} concurrent research requests for ${(run.durationMs / 1000).toFixed(0)} s`);
    const result = await runClosedLoop({
      concurrency: run.concurrency,
      durationMs: run.durationMs,
      ...(options.signal ? { signal: options.signal } : {}),
      call: async (index) => {
        const response = await fetch(`${deps.url}/api/research`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...deps.headers },
          // A unique question, cache bypassed, no quality retry: one provider call per request.
          body: JSON.stringify({ query: `Capacity probe ${index} for ${provider}: what limits a connection pool?`, provider, cache: { bypass: true }, quality_threshold: 0 }),
        });
        const body = (await response.json().catch(() => undefined)) as { provider?: string } | undefined;
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        // A fallback answered by another provider is not this provider's capacity.
        if (body?.provider !== provider) throw new Error(`answered by ${body?.provider ?? 'nobody'}, not ${provider}`);
      },
    });
    rows.push({ target: provider, ...result });
  }
  return summed(test.name, 'provider_tests', run, rows);
}

/** A database test over the configured database, opened by the caller with `connectionPoolSize` connections. */
export async function runDatabaseTest(test: DatabaseTest, data: Pick<StoredData, 'listResults' | 'searchResults' | 'getResult'>, options: CapacityOptions): Promise<CapacityReport> {
  const run = scaledRun(test.concurrentQueries, test.durationMs, options);
  const ids = (await data.listResults({ limit: 100, offset: 0 })).items.map((item) => item.id);
  const terms = ['connection', 'cache', 'rust', 'index', 'latency', 'kubernetes', 'timeout', 'retry'];
  const samples: Record<string, number[]> = { list: [], search: [], get: [] };
  const kinds = ids.length > 0 ? (['list', 'search', 'get'] as const) : (['list', 'search'] as const);
  options.onProgress?.(`  ${run.concurrency} concurrent queries over a pool of ${test.connectionPoolSize} for ${(run.durationMs / 1000).toFixed(0)} s (${ids.length} stored results to read)`);
  const result = await runClosedLoop({
    concurrency: run.concurrency,
    durationMs: run.durationMs,
    ...(options.signal ? { signal: options.signal } : {}),
    call: async (index) => {
      const kind = kinds[index % kinds.length]!;
      const started = performance.now();
      if (kind === 'list') await data.listResults({ limit: 20, offset: (index * 7) % Math.max(1, ids.length) });
      else if (kind === 'search') await data.searchResults({ q: terms[index % terms.length]!, limit: 20, offset: 0 });
      else await data.getResult(ids[index % ids.length]!);
      samples[kind]!.push(performance.now() - started);
    },
  });
  const { distribution } = await import('../profiling/wait.js');
  const rows: CapacityRow[] = [
    { target: 'all', ...result },
    ...kinds.map((kind) => {
      const values = samples[kind]!;
      return { target: kind, ...distribution(values), requests: values.length, errors: 0, throughput: (values.length * 1000) / result.durationMs, maxInFlight: result.maxInFlight, durationMs: result.durationMs };
    }),
  ];
  const report = summed(test.name, 'database_tests', run, rows.slice(0, 1));
  return { ...report, connectionPoolSize: test.connectionPoolSize, rows };
}
