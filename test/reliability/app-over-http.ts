/**
 * The real application (storage, caches, simulated providers, the facade) behind the real HTTP
 * server, in this process, with API keys required: for tests that need two keys, an outage of
 * the database under a running server, or a look at the stored rows. SQLite in a temporary
 * directory, or PostgreSQL at `databaseUrl`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loggerOptions } from '../../src/app/component-options.js';
import { createApplication, type Application } from '../../src/app/composition.js';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { createLogger } from '../../src/infrastructure/logging/logger.js';
import { createHttpServer } from '../../src/interface/http/http-server.js';
import { SILENT_LOGGER } from '../../src/interface/http/http-logger.js';

export interface AppOverHttp {
  url: string;
  app: Application;
  /** A new key with these scopes; returns the raw key. */
  key(name: string, scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startAppOverHttp(options: { databaseUrl?: string; yaml?: string; env?: Record<string, string> } = {}): Promise<AppOverHttp> {
  const directory = mkdtempSync(join(tmpdir(), 'fortitude-app-http-'));
  const config = parseConfigText(`simulator: { latency_ms: 0 }\noptimizer: { enabled: false }\n${options.yaml ?? ''}`, {
    env: {
      FORTITUDE_DATA_DIR: directory,
      FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: join(directory, 'library'),
      ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
      ...options.env,
    },
  });
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const app = await createApplication(config, { logger: createLogger(loggerOptions(config.logging), sink) });
  const server = createHttpServer(
    {
      host: '127.0.0.1',
      port: 0,
      bodyLimitBytes: 64 * 1024,
      requestTimeoutMs: 30_000,
      shutdownTimeoutMs: 2_000,
      cors: { origins: [] },
      auth: { mode: 'required', defaultRateLimitPerMinute: 100_000 },
    },
    { ...app.fortitude, metrics: async () => ({ contentType: 'text/plain', body: '' }) },
    SILENT_LOGGER,
  );
  const { url } = await server.listen();
  return {
    url,
    app,
    key: async (name, scopes) => (await app.fortitude.createApiKey({ name, scopes })).key,
    async close() {
      await server.close();
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** JSON request with a key; returns the status and the parsed body (loosely typed: tests probe its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test probe of arbitrary response bodies
export type Json = any;

export async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}
