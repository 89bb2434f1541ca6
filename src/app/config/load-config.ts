import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { applyApiKeysFromEnv, configFileOf, deepFreeze, envOverrideEntries, type ConfigInputOptions } from './config-input.js';
import { configSchema, type FortitudeConfig } from './schema.js';
import { allowedKeysAt, closest, valueTypeAt } from './schema-shape.js';
import { SEED_PROVIDERS } from './sections/providers.js';
import { providerDefinition } from '../../providers/provider-kinds.js';
import { deepMerge, parseYamlSource, type YamlSource } from './yaml-source.js';
import { yaml } from './yaml-module.js';
import { isSecretField } from '../../infrastructure/logging/redact.js';

/** Where to read from (`config-input.ts`); with no `env`, the loader reads `process.env`, the only place Fortitude does. */
export type LoadConfigOptions = ConfigInputOptions;

export interface LoadedConfig {
  config: Readonly<FortitudeConfig>;
  /** Absolute path of the file read, undefined when running on defaults. */
  file: string | undefined;
}

/** Reads, merges and validates configuration; throws `ConfigError` listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = configFileOf(options, env);
  let text = '';
  if (file) {
    if (!existsSync(file)) throw new ConfigError([{ path: '', message: `config file not found; check --config or FORTITUDE_CONFIG` }], file);
    text = readFileSync(file, 'utf8');
  }
  return { config: parseConfigText(text, { env, file }), file };
}

/** Validates YAML text plus environment overrides; exported for tests and `config validate`. */
export function parseConfigText(text: string, options: { env?: NodeJS.ProcessEnv; file?: string } = {}): Readonly<FortitudeConfig> {
  const env = options.env ?? {};
  const source = parseYamlSource(text);
  if (Array.isArray(source)) throw new ConfigError(source, options.file);

  const problems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(source.data, env, [], problems);
  const { overrides, origins } = overridesFromEnv(env, problems);
  // An env override of one provider setting adjusts the seed's providers; it does not replace the list.
  const base = overrides.providers !== undefined && (interpolated as Record<string, unknown>).providers === undefined
    ? { ...(interpolated as Record<string, unknown>), providers: structuredClone(SEED_PROVIDERS) }
    : interpolated;
  const withEnv = deepMerge(base, overrides) as Record<string, unknown>;
  // Parsed once per process: zod's JIT fast path would generate and compile a parser for every
  // object schema of the config (50-100 ms) to run it once; interpreted, the parse takes 6-17 ms.
  const result = configSchema.safeParse(withEnv, { jitless: true });
  if (!result.success) {
    // One problem per key: a value already reported (an unset `${VAR}`, an unreadable environment
    // value, which became '' or was left out) is not reported again as invalid.
    const reported = new Set(problems.map((problem) => problem.path));
    for (const issue of result.error.issues) {
      for (const problem of describeIssue(issue)) {
        if (problem.path !== '' && reported.has(problem.path)) continue;
        reported.add(problem.path);
        problems.push(blameEnvironment(problem, issue, origins, source.positions));
      }
    }
  }
  const located = problems
    .map((problem) => (problem.source === undefined ? { ...problem, ...positionOf(source.positions, problem.path) } : problem))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (located.length > 0 || !result.success) throw new ConfigError(located, options.file);

  const config = result.data;
  applyApiKeysFromEnv(config.providers, env, (kind) => providerDefinition(kind).apiKeyEnv);
  return deepFreeze(config);
}

/** Position of the path's key, or of its nearest written ancestor (a missing key has none). */
function positionOf(positions: Map<string, { line: number; column: number }>, path: string) {
  for (let parts = path.split('.'); parts.length > 0; parts = parts.slice(0, -1)) {
    const found = positions.get(parts.join('.'));
    if (found) return found;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(configSchema, issue.path) ?? [];
    return issue.keys.map((key) => {
      const suggestion = closest(key, allowed);
      const hint = suggestion ? `did you mean "${suggestion}"? ` : '';
      return {
        path: path ? `${path}.${key}` : key,
        message: `unknown key; ${hint}allowed here: ${allowed.join(', ')}`,
      };
    });
  }
  return [{ path, message: tidyMessage(issue.message) }];
}

/** Where an environment override set a value: the variable and its text. */
interface EnvOrigin {
  variable: string;
  raw: string;
}

/**
 * Names the environment variable behind a problem instead of the file (or `<defaults>`): the
 * override at the problem's path or above it; otherwise, when the file sets nothing at or below
 * the path, the overrides below it (a check across several values, such as weights that must sum
 * to 1). A value of the wrong type is quoted as the variable had it.
 */
function blameEnvironment(problem: ConfigProblem, issue: z.core.$ZodIssue, origins: ReadonlyMap<string, EnvOrigin>, positions: YamlSource['positions']): ConfigProblem {
  const exact = origins.get(problem.path);
  if (exact) {
    const quoted = issue.code === 'invalid_type' && !isSecretField(problem.path.split('.').at(-1) ?? '');
    const message = quoted ? `expected ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}, got ${JSON.stringify(exact.raw)}` : problem.message;
    return { ...problem, message: `${message} (fix or unset the variable)`, source: exact.variable };
  }
  for (let parts = problem.path.split('.').slice(0, -1); parts.length > 0; parts = parts.slice(0, -1)) {
    const above = origins.get(parts.join('.'));
    if (above) return { ...problem, message: `${problem.message} (fix or unset the variable)`, source: above.variable };
  }
  const inside = (path: string) => problem.path === '' || path === problem.path || path.startsWith(`${problem.path}.`);
  const below = [...origins].filter(([path]) => inside(path)).map(([, origin]) => origin.variable);
  if (below.length === 0 || [...positions.keys()].some(inside)) return problem;
  return { ...problem, message: `${problem.message} (fix or unset ${below.length === 1 ? 'the variable' : 'these variables'})`, source: below.join(', ') };
}

function tidyMessage(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
}

const INTERPOLATION = /\$\{([A-Z0-9_]+)\}/g;

/** Replaces `${VAR}` in string values, so secrets can stay in the environment. */
function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[], problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(INTERPOLATION, (_, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) {
        problems.push({ path: path.join('.'), message: `environment variable ${name} is not set` });
        return '';
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, [...path, String(index)], problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key], problems)]));
  }
  return value;
}

/**
 * Environment overrides (`envOverrideEntries`: the shortcuts such as DATABASE_URL, and
 * `FORTITUDE_<SECTION>__<KEY>…` for any path). A key the schema types as a string takes the value
 * as written (`FORTITUDE_REDIS__KEY_PREFIX=x:` is the prefix `x:`, not a YAML map), unless it is
 * wholly quoted YAML-style (`'x:'`), which is unquoted; other values are read as YAML scalars
 * (numbers, booleans, durations, lists).
 */
function overridesFromEnv(env: NodeJS.ProcessEnv, problems: ConfigProblem[]): { overrides: Record<string, unknown>; origins: Map<string, EnvOrigin> } {
  const overrides: Record<string, unknown> = {};
  const origins = new Map<string, EnvOrigin>();
  for (const [dotted, raw, variable] of envOverrideEntries(env)) {
    const keys = dotted.split('.');
    let target = overrides;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    try {
      target[keys.at(-1)!] = valueTypeAt(configSchema, keys) === 'string' ? stringValue(raw) : yaml().parse(raw);
      origins.set(dotted, { variable, raw });
    } catch {
      problems.push({ path: dotted, message: 'cannot read the value as YAML (fix or unset the variable)', source: variable });
    }
  }
  return { overrides, origins };
}

/** A string key's environment value: as written, or unquoted when quoted as a YAML string. */
function stringValue(raw: string): string {
  const quoted = raw.length >= 2 && (raw[0] === "'" || raw[0] === '"') && raw.at(-1) === raw[0];
  if (!quoted) return raw;
  const parsed: unknown = yaml().parse(raw);
  return typeof parsed === 'string' ? parsed : raw;
}
