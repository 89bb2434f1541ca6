import type { LoadedConfig } from '../../app/config/load-config.js';
import type { ResearchServices } from './cli-services.js';

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
  /** Builds the application (storage, caches, providers) for one command; close it after. */
  openServices(): Promise<ResearchServices>;
  /** Runs `fortitude serve` until a signal stops it. */
  serve(options: { host?: string; port?: number; workers?: number }): Promise<void>;
}
