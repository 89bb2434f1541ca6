import type { LoadedConfig } from '../../app/config/load-config.js';
import type { Fortitude, StoredData } from '../../pipeline/fortitude.js';

/** What CLI commands get from `main.ts`: global options, the environment, and output sinks. */
export interface CliContext {
  globalOptions(): { config?: string; verbose?: boolean };
  env: NodeJS.ProcessEnv;
  /** Results go to stdout, so `--json` output can be piped. */
  out(text: string): void;
  /** Progress and diagnostics go to stderr. */
  err(text: string): void;
  isTty: boolean;
  /** Loads and validates configuration (throws ConfigError); from the composition root. */
  loadConfig(): LoadedConfig;
  /** Builds the whole application (storage, caches, providers) for one command; close it after. */
  openServices(): Promise<Fortitude>;
  /** Opens only the database (API keys, the stored library): nothing else is started. */
  openStoredData(): Promise<StoredData>;
  /** Runs `fortitude serve` until a signal stops it. */
  serve(options: { host?: string; port?: number; workers?: number }): Promise<void>;
}
