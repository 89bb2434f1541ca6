/**
 * Child process for the fuzz test: a real server with the in-memory services, started with
 * `--expose-gc` so the parent can ask for heap usage after a full GC over IPC.
 */
import { createHttpServer } from '../../src/interface/http/http-server.js';
import { SILENT_LOGGER } from '../../src/interface/http/http-logger.js';
import { createFakeServices } from './fake-services.js';

const services = createFakeServices();
const server = createHttpServer(
  {
    host: '127.0.0.1',
    port: 0,
    bodyLimitBytes: 8 * 1024,
    requestTimeoutMs: 3_000,
    shutdownTimeoutMs: 1_000,
    cors: { origins: ['https://app.example.com'] },
    auth: { mode: 'required', defaultRateLimitPerMinute: 60 },
    sseHeartbeatMs: 0,
  },
  services,
  SILENT_LOGGER,
);
const { url } = await server.listen();
process.send?.({ type: 'listening', url });

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    process.send?.({ type: 'memory', heapUsed: usage.heapUsed, rss: usage.rss, gc: gc !== undefined });
  } else if (message.type === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
