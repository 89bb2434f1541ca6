/**
 * Calls without a key share the `default` cache and library namespace (and `anonymous` as their
 * feedback author); a key given either name would have read their cached answers and library.
 * Creating one is a bad_request naming the field, through the facade and the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFortitude } from '../observability/spawn-server.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppOverHttp, type AppOverHttp } from './app-over-http.js';

describe('reserved API key names', () => {
  let server: AppOverHttp;
  beforeAll(async () => {
    server = await startAppOverHttp();
  }, 60_000);
  afterAll(async () => server?.close());

  it.each(['default', 'anonymous', ' Default '])('"%s" is refused, naming the field', async (name) => {
    await expect(server.app.fortitude.createApiKey({ name, scopes: ['research'] })).rejects.toMatchObject({ code: 'bad_request', details: { field: 'name' } });
  });

  it('other names still work', async () => {
    const created = await server.app.fortitude.createApiKey({ name: 'default-ci', scopes: ['research'] });
    expect(created.key).toMatch(/^ftd_/);
  });

  it('the CLI says why and exits non-zero', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-keys-'));
    const created = await runFortitude(cwd, ['keys', 'create', '--name', 'default', '--scopes', 'research']);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toMatch(/reserved/);
    expect(created.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
