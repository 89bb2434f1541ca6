import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProviderKind } from '../../providers/provider-kinds.js';

/**
 * What the configuration is read from besides the schema: the file's location, the environment
 * overrides and the providers' API-key variables. Shared by `load-config.ts` (the validating
 * loader) and `default-config.ts` (the built-in defaults, when nothing is configured), so both
 * agree on what "nothing configured" means. No zod and no provider definitions (they load the
 * wire formats and the simulator, 32 modules) here: `default-config.ts` must not load them.
 */

export interface ConfigInputOptions {
  /** Explicit path (`--config`); otherwise FORTITUDE_CONFIG, then ./fortitude.yaml if present. */
  path?: string;
  /** Environment to read; the loader's callers pass `process.env`. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The file to read (absolute), or undefined when running on the defaults; an explicit path is returned even if missing. */
export function configFileOf(options: ConfigInputOptions, env: NodeJS.ProcessEnv): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.FORTITUDE_CONFIG;
  if (explicit) return resolve(cwd, explicit);
  const discovered = resolve(cwd, 'fortitude.yaml');
  return existsSync(discovered) ? discovered : undefined;
}

export const ENV_SHORTCUTS: Readonly<Record<string, string>> = {
  DATABASE_URL: 'database.url',
  REDIS_URL: 'redis.url',
  FORTITUDE_HOST: 'server.host',
  FORTITUDE_PORT: 'server.port',
  FORTITUDE_WORKERS: 'server.workers',
  FORTITUDE_DATA_DIR: 'data_dir',
  FORTITUDE_LOG_LEVEL: 'logging.levels.root',
  FORTITUDE_SIMULATOR: 'simulator.mode',
};

/**
 * The environment's overrides as `[dotted path, raw value, variable name]`, in the order they
 * apply: the shortcuts above (when set and not empty), then `FORTITUDE_<SECTION>__<KEY>…` for any
 * path (`FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB=64` → `caching.levels.memory.max_size_mb`).
 */
export function envOverrideEntries(env: NodeJS.ProcessEnv): Array<[path: string, raw: string, variable: string]> {
  const entries: Array<[string, string, string]> = [];
  for (const [name, path] of Object.entries(ENV_SHORTCUTS)) {
    const value = env[name];
    if (value !== undefined && value !== '') entries.push([path, value, name]);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('FORTITUDE_') || !name.includes('__') || value === undefined) continue;
    entries.push([name.slice('FORTITUDE_'.length).toLowerCase().split('__').join('.'), value, name]);
  }
  return entries;
}

/** Gives each provider without an `api_key` the first one set among its kind's variables (`apiKeyEnv` of its definition: OPENAI_API_KEY…). */
export function applyApiKeysFromEnv(
  providers: Record<string, { kind: ProviderKind; api_key?: string | undefined }>,
  env: NodeJS.ProcessEnv,
  apiKeyEnv: (kind: ProviderKind) => readonly string[],
): void {
  for (const provider of Object.values(providers)) {
    if (provider.api_key) continue;
    const fromEnv = apiKeyEnv(provider.kind).map((name) => env[name]).find((value) => value);
    if (fromEnv) provider.api_key = fromEnv;
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
