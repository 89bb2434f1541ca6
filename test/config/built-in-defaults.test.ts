import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORTITUDE_ENTRY, FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

/**
 * The spawned CLI with nothing configured takes the build's generated defaults (no zod, see
 * src/app/config/default-config.ts); with any override it validates through the schema. An
 * override that sets a default to its own value must then show the very same configuration.
 */
describe(`built-in defaults in the spawned CLI (${FORTITUDE_ENTRY})`, { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-defaults-cli-'));
  const show = (env: Record<string, string>) =>
    execFileSync(process.execPath, [...FORTITUDE_NODE_ARGS, 'config', 'show', '--json'], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } });

  it('show the same configuration as the validating loader, API keys from the environment included (masked)', () => {
    const keys = { OPENAI_API_KEY: 'sk-proj-defaultstest1234567890', GEMINI_API_KEY: 'gm-defaultstest1234567890' };
    const generated = show(keys);
    const validated = show({ ...keys, FORTITUDE_DATA_DIR: '.fortitude' });
    expect(JSON.parse(generated)).toEqual(JSON.parse(validated));
    expect(generated).not.toContain('defaultstest');
    expect(JSON.parse(generated).providers.gemini.api_key).toMatch(/^\*\*\*\*/);
  });
});
