/** Child for the cluster test: two workers sharing one port, each answering with its pid. */
import cluster from 'node:cluster';
import { runClustered } from '../../src/interface/http/cluster.js';
import { createHttpServer } from '../../src/interface/http/http-server.js';
import { SILENT_LOGGER } from '../../src/interface/http/http-logger.js';
import { createFakeServices } from './fake-services.js';

if (cluster.isPrimary) {
  cluster.on('message', (_worker, message: { url?: string }) => {
    if (message.url !== undefined) process.stdout.write(`${JSON.stringify({ url: message.url })}\n`);
  });
}

await runClustered(2, async () => {
  const services = createFakeServices();
  services.providerStatus = async () => [{ pid: process.pid }];
  const server = createHttpServer(
    {
      host: '127.0.0.1',
      port: 0,
      bodyLimitBytes: 1024,
      requestTimeoutMs: 5_000,
      shutdownTimeoutMs: 1_000,
      cors: { origins: [] },
      auth: { mode: 'disabled', defaultRateLimitPerMinute: 60 },
    },
    services,
    SILENT_LOGGER,
  );
  const { url } = await server.listen();
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.send?.({ url });
});
