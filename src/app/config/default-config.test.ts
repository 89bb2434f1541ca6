import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtInDefaults, renderDefaultConfig, type GeneratedDefaults } from './default-config.js';
import { generateDefaults, generateDefaultsFile } from './generate-defaults.js';
import { loadConfig } from './load-config.js';
import { PROVIDER_DEFINITIONS } from '../../providers/provider-kinds.js';

/** A built layout in a temporary directory: the generated defaults and a compiled schema `ageSeconds` older (negative: newer). */
function builtFiles(ageSeconds = 10, text = generateDefaultsFile()) {
  const dir = mkdtempSync(join(tmpdir(), 'fortitude-defaults-'));
  const json = join(dir, 'default-config.json');
  const schema = join(dir, 'schema.js');
  writeFileSync(json, text);
  writeFileSync(schema, '// compiled schema');
  const now = Date.now() / 1000;
  utimesSync(json, now, now);
  utimesSync(schema, now - ageSeconds, now - ageSeconds);
  return { json: pathToFileURL(json), schema: pathToFileURL(schema) };
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'fortitude-defaults-cwd-'));

describe('built-in defaults (no zod when nothing is configured)', () => {
  it('are exactly what loadConfig gives with no file and no override, frozen, API keys from the environment included', () => {
    const files = builtFiles();
    for (const env of [{}, { OPENAI_API_KEY: 'sk-openai-test', ANTHROPIC_API_KEY: 'sk-ant-test' }, { GEMINI_API_KEY: 'gm-test', HOME: '/tmp' }]) {
      const cwd = emptyDir();
      const fast = builtInDefaults({ env, cwd }, files);
      const validated = loadConfig({ env, cwd });
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(validated);
      expect(Object.isFrozen(fast!.config.providers.openai)).toBe(true);
    }
    const keyed = builtInDefaults({ env: { ANTHROPIC_API_KEY: 'sk-ant-test' }, cwd: emptyDir() }, files);
    expect(keyed!.config.providers.claude!.api_key).toBe('sk-ant-test');
    expect(keyed!.config.providers.openai!.api_key).toBeUndefined();
  });

  it('carry every provider kind its API-key variables, as its definition lists them', () => {
    const { apiKeyEnv } = JSON.parse(generateDefaultsFile()) as GeneratedDefaults;
    expect(Object.keys(apiKeyEnv).sort()).toEqual(PROVIDER_DEFINITIONS.map((definition) => definition.kind).sort());
    for (const definition of PROVIDER_DEFINITIONS) expect(apiKeyEnv[definition.kind]).toEqual([...definition.apiKeyEnv]);
  });

  it('step aside whenever there is something to validate', () => {
    const files = builtFiles();
    const withFile = emptyDir();
    writeFileSync(join(withFile, 'fortitude.yaml'), 'server:\n  port: 9000\n');
    expect(builtInDefaults({ env: {}, cwd: withFile }, files)).toBeUndefined();
    expect(builtInDefaults({ env: {}, cwd: emptyDir(), path: 'missing.yaml' }, files)).toBeUndefined();
    expect(builtInDefaults({ env: { FORTITUDE_CONFIG: 'other.yaml' }, cwd: emptyDir() }, files)).toBeUndefined();
    expect(builtInDefaults({ env: { FORTITUDE_PORT: '9000' }, cwd: emptyDir() }, files)).toBeUndefined();
    expect(builtInDefaults({ env: { DATABASE_URL: 'postgres://db/fortitude' }, cwd: emptyDir() }, files)).toBeUndefined();
    expect(builtInDefaults({ env: { FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB: '64' }, cwd: emptyDir() }, files)).toBeUndefined();
    // An empty shortcut is no override (as in the loader); an unrelated FORTITUDE_ variable neither.
    expect(builtInDefaults({ env: { FORTITUDE_PORT: '', FORTITUDE_URL: 'http://127.0.0.1:8080' }, cwd: emptyDir() }, files)).toBeDefined();
  });

  it('step aside when the generated file is missing or older than the compiled schema (tsc ran without the build step)', () => {
    const stale = builtFiles(-10);
    expect(builtInDefaults({ env: {}, cwd: emptyDir() }, stale)).toBeUndefined();
    const missing = { ...builtFiles(), json: pathToFileURL(join(emptyDir(), 'default-config.json')) };
    expect(builtInDefaults({ env: {}, cwd: emptyDir() }, missing)).toBeUndefined();
  });

  it('refuse to render defaults that would not come back from JSON exactly', () => {
    const defaults = generateDefaults();
    expect(() => renderDefaultConfig(defaults)).not.toThrow();
    const withDate = { ...defaults, config: { ...defaults.config, data_dir: new Date(0) as unknown as string } };
    expect(() => renderDefaultConfig(withDate)).toThrow(/do not survive JSON/);
    const withUndefined = { ...defaults, config: { ...defaults.config, database: { ...defaults.config.database, url: undefined } } };
    expect(() => renderDefaultConfig(withUndefined)).toThrow(/do not survive JSON/);
  });
});
