/** Fortitude's HTTP server in its own process, with the pass-through services. */
import { createHttpServer } from '../../src/interface/http/http-server.js';
import { SILENT_LOGGER } from '../../src/interface/http/http-logger.js';
import { exitWhenParentLeaves } from './child-lifecycle.js';
import { createPassthroughServices } from './passthrough-services.js';

const upstream = process.argv[2]!;
const passthrough = createPassthroughServices(upstream);
const server = createHttpServer(
  {
    host: '127.0.0.1',
    port: 0,
    bodyLimitBytes: 1024 * 1024,
    requestTimeoutMs: 120_000,
    shutdownTimeoutMs: 2_000,
    cors: { origins: [] },
    // `auto` on loopback: no key, as a local gateway runs by default.
    auth: { mode: 'auto', defaultRateLimitPerMinute: 60 },
  },
  passthrough.services,
  SILENT_LOGGER,
);
const { url } = await server.listen();
process.stdout.write(`READY ${url}\n`);
exitWhenParentLeaves(async () => {
  await server.close();
  await passthrough.close();
});
