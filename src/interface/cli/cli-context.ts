import type { ApiTest } from '../../operations/load-test/load-plan.js';
import type { DatabaseTest, ProviderTest } from '../../operations/load-test/capacity-tests.js';
import type { PerformanceTargets } from '../../operations/load-test/load-test-report.js';
import type { CacheUnderTest } from '../../operations/cache-eval/cache-under-test.js';
import type { Fortitude, StoredData, StoredFeedback, StoredProviderStatus, StoredReports } from '../../pipeline/fortitude.js';

/** `fortitude research`'s services: one research call, the simulated providers' names, close. */
export type ResearchSession = Pick<Fortitude, 'research' | 'simulatedProviders'> & { close(): Promise<void> };

/** What CLI commands read of the configuration, as plain values (mapped by the composition root). */
export interface CliConfig {
  /** Absolute path of the file read; undefined when running on the built-in defaults. */
  file: string | undefined;
  /** The effective configuration as plain data with defaults filled in; secrets are not masked. */
  effective: Readonly<Record<string, unknown>>;
  /** Configured providers in order, and whether each has an API key (else it is simulated). */
  providers: readonly { name: string; hasApiKey: boolean }[];
  /** `selection_strategy.type`. */
  selectionStrategy: string;
  /** How many `monitoring.alerts` rules are configured. */
  alertRules: number;
  /** `load_tests.api_tests`, for `fortitude benchmark`. */
  apiTests: readonly ApiTest[];
  /** `load_tests.provider_tests`, for `fortitude benchmark --scenario <name>`. */
  providerTests: readonly ProviderTest[];
  /** `load_tests.database_tests`, for `fortitude benchmark --scenario <name>`. */
  databaseTests: readonly DatabaseTest[];
  /** The PostgreSQL server's host name (`database.url`); undefined for SQLite. Never the URL: it may hold a password. */
  databaseHost: string | undefined;
  /** `monitoring.generate_report`: whether `fortitude benchmark` writes its report files. */
  generateReport: boolean;
  /** `performance_targets`, for `fortitude benchmark`. */
  performanceTargets: PerformanceTargets;
  /** `server.allowed_hosts`, and `server.allowed_origins` with `server.cors.origins`, for `fortitude mcp --http`. */
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/** What CLI commands get from `main.ts`: global options, the environment, and output sinks. */
export interface CliContext {
  globalOptions(): { config?: string; verbose?: boolean };
  env: NodeJS.ProcessEnv;
  /** Results go to stdout, so `--json` output can be piped. */
  out(text: string): void;
  /** Progress and diagnostics go to stderr. */
  err(text: string): void;
  isTty: boolean;
  /** A command that finished but must report failure (benchmark targets missed); default `process.exitCode`. */
  setExitCode?(code: number): void;
  /** Loads and validates configuration (throws ConfigError); from the composition root. */
  loadConfig(): CliConfig;
  /** Builds the whole application (storage, caches, providers) for one command (`mcp`, `cache status` without a server); close it after. */
  openServices(): Promise<Fortitude>;
  /**
   * What `fortitude research` needs: a question the cache can answer is answered from the
   * database and cache tiers alone; the whole application is built only for a miss.
   */
  openResearch(): Promise<ResearchSession>;
  /** Opens only the database (API keys, the stored library): nothing else is started. `poolSize` replaces `database.pool_size`. */
  openStoredData(options?: { poolSize?: number }): Promise<StoredData>;
  /** Operator reports over the database (and, for `learning status`, the learned routing state); no provider or simulator is started. */
  openStoredReports(): Promise<StoredReports>;
  /** What `feedback` writes: the database and the learned routing state; no provider or simulator is started. */
  openStoredFeedback(): Promise<StoredFeedback>;
  /** The configured providers over the shared breaker and rate-limit state; no provider stack or simulator is built. */
  openStoredProviderStatus(): Promise<StoredProviderStatus>;
  /**
   * Builds `serve`'s research cache tiers from the configuration in a fresh temporary directory
   * (`cache eval`); closing deletes it. The user's data directory, database and Redis are not used.
   */
  openCacheEvaluation(): Promise<CacheUnderTest & { close(): Promise<void> }>;
  /** Runs `fortitude serve` until a signal stops it. */
  serve(options: { host?: string; port?: number; workers?: number }): Promise<void>;
}
