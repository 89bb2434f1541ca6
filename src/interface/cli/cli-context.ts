import type { LoadedConfig } from '../../app/config/load-config.js';

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
}
