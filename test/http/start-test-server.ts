import { createHttpServer, type HttpServer, type HttpServerOptions } from '../../src/interface/http/http-server.js';
import { SILENT_LOGGER, type HttpLogger } from '../../src/interface/http/http-logger.js';
import type { HttpServices } from '../../src/interface/http/http-services.js';
import { createFakeServices, type FakeServices } from './fake-services.js';

export interface TestServer {
  url: string;
  server: HttpServer;
  services: FakeServices;
  close(): Promise<void>;
}

/** A real listening server on 127.0.0.1 with the in-memory services double. */
export async function startTestServer(
  overrides: Partial<HttpServerOptions> = {},
  services: FakeServices = createFakeServices(),
  logger: HttpLogger = SILENT_LOGGER,
): Promise<TestServer> {
  const options: HttpServerOptions = {
    host: '127.0.0.1',
    port: 0,
    bodyLimitBytes: 16 * 1024,
    requestTimeoutMs: 10_000,
    shutdownTimeoutMs: 2_000,
    cors: { origins: ['https://app.example.com'] },
    auth: { mode: 'required', defaultRateLimitPerMinute: 60 },
    ...overrides,
  };
  const server = createHttpServer(options, services as HttpServices, logger);
  const { url } = await server.listen();
  return { url, server, services, close: () => server.close() };
}

export const AUTH = {
  research: { authorization: 'Bearer key-research' },
  gateway: { authorization: 'Bearer key-gateway' },
  admin: { 'x-api-key': 'key-admin' },
} as const;
