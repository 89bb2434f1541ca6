import { readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { applyApiKeysFromEnv, configFileOf, deepFreeze, envOverrideEntries, type ConfigInputOptions } from './config-input.js';
import type { LoadedConfig } from './load-config.js';
import type { FortitudeConfig } from './schema.js';
import type { ProviderKind } from '../../providers/provider-kinds.js';

/**
 * The configuration when nothing is configured (no file, no `FORTITUDE_*` or shortcut override):
 * the schema's own output for an empty input, computed by the build (`npm run build` runs
 * `scripts/write-default-config.mjs` after tsc, which writes `dist/app/config/default-config.json`
 * with `parseConfigText('')` and each provider kind's API-key variables), so a CLI start on the
 * defaults loads neither zod and the schema (together 80 ms, 3–4× `node -e 0`, bench/RESULTS.md)
 * nor the provider definitions. The schema stays the one source of the defaults: the file is
 * generated from it at every build, and without it (the sources run through tsx, or tsc ran
 * without the build's last step, leaving it older than the compiled schema) the caller validates
 * as usual.
 */
export const DEFAULT_CONFIG_FILE = 'default-config.json';

/** What the generated file holds. */
export interface GeneratedDefaults {
  /** `parseConfigText('')` with no environment. */
  config: FortitudeConfig;
  /** Each provider kind's API-key variables, in order (`apiKeyEnv` of its definition). */
  apiKeyEnv: Record<ProviderKind, readonly string[]>;
}

interface DefaultsFiles {
  /** The generated defaults. */
  json: URL;
  /** The compiled schema they were generated from (its build must not be newer). */
  schema: URL;
}

const BUILT: DefaultsFiles = {
  json: new URL(`./${DEFAULT_CONFIG_FILE}`, import.meta.url),
  schema: new URL('./schema.js', import.meta.url),
};

/**
 * The built-in defaults with the providers' API keys from `env` (as `loadConfig` gives them), or
 * undefined when there is something to validate (a file, an override) or no up-to-date generated
 * defaults: then `loadConfig` must run.
 */
export function builtInDefaults(options: ConfigInputOptions & { env: NodeJS.ProcessEnv }, files: DefaultsFiles = BUILT): LoadedConfig | undefined {
  const { env } = options;
  if (configFileOf(options, env) !== undefined || envOverrideEntries(env).length > 0) return undefined;
  const written = statSync(files.json, { throwIfNoEntry: false });
  const compiled = statSync(files.schema, { throwIfNoEntry: false });
  if (!written || !compiled || written.mtimeMs < compiled.mtimeMs) return undefined;
  const { config, apiKeyEnv } = JSON.parse(readFileSync(files.json, 'utf8')) as GeneratedDefaults;
  applyApiKeysFromEnv(config.providers, env, (kind) => apiKeyEnv[kind] ?? []);
  return { config: deepFreeze(config), file: undefined };
}

/**
 * The generated file's text for the schema's defaults; throws when they would not come back
 * from JSON exactly (a `Date`, a `Map`, an `undefined`-valued key, a non-finite number), since
 * the CLI would then run on something the schema did not produce.
 */
export function renderDefaultConfig(defaults: Readonly<GeneratedDefaults>): string {
  const json = JSON.stringify(defaults);
  if (!isDeepStrictEqual(JSON.parse(json), defaults)) {
    throw new Error(`the configuration defaults do not survive JSON, so ${DEFAULT_CONFIG_FILE} cannot hold them: keep the schema's defaults plain data`);
  }
  return `${json}\n`;
}
