/**
 * How many Fortitude functions a request passes through before the provider transport: the
 * stack (async frames included) at `HttpTransport.json` for one gateway and one research request,
 * through the real HTTP server and application on embedded defaults with the simulator.
 * Run: `node --import tsx bench/request-hops.ts [repository root]` (default: this checkout).
 * Not a timing benchmark: ARCHITECTURE.md's walk-through quotes its counts.
 */
import { fileURLToPath } from 'node:url';
const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const { parseConfigText } = await import(`${root}/src/app/config/load-config.ts`);
const { createApplication } = await import(`${root}/src/app/composition.ts`);
const { createLogger } = await import(`${root}/src/infrastructure/logging/logger.ts`);
const { HttpTransport } = await import(`${root}/src/providers/http-transport.ts`);
const { Writable } = await import('node:stream');
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
Error.stackTraceLimit = 200;
const stacks: string[] = [];
const original = HttpTransport.prototype.json;
HttpTransport.prototype.json = function (...args: unknown[]) {
  stacks.push(new Error().stack ?? '');
  return original.apply(this, args as never);
};
const dir = mkdtempSync(join(tmpdir(), 'hops-'));
const config = parseConfigText('simulator: { latency_ms: 0 }\noptimizer: { enabled: false }\n', { env: { FORTITUDE_DATA_DIR: dir, FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: join(dir, 'lib') } });
const sink = new Writable({ write: (_c, _e, cb) => cb() });
// Newer trees map the logging section to the logger's options (component-options.ts); older roots take it raw.
const mapLogging = await import(`${root}/src/app/component-options.ts`).then(
  (module: { loggerOptions?: (section: unknown) => unknown }) => module.loggerOptions ?? ((section: unknown) => section),
  () => (section: unknown) => section,
);
const app = await createApplication(config, { logger: createLogger(mapLogging(config.logging), sink) });
const { createHttpServer } = await import(`${root}/src/interface/http/http-server.ts`);
let services;
try {
  const { createHttpServices } = await import(`${root}/src/app/http-adapter.ts`);
  services = createHttpServices(app, async () => ({ contentType: 'text/plain', body: '' }));
} catch {
  services = { ...app.fortitude, metrics: async () => ({ contentType: 'text/plain', body: '' }) };
}
const server = createHttpServer({ host: '127.0.0.1', port: 0, bodyLimitBytes: 65536, requestTimeoutMs: 10000, shutdownTimeoutMs: 1000, cors: { origins: [] }, auth: { mode: 'disabled', defaultRateLimitPerMinute: 1000 } }, services, { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: () => false });
const { url } = await server.listen();
const show = (label: string) => {
  const frames = stacks.pop()!.split('\n').slice(1).filter((line) => line.includes(root + '/src/')).map((line) => line.trim().replace(root + '/', '').replace(/:\d+:\d+\)?$/, ''));
  console.log(`${label}: ${frames.length} frames in src/, ${frames.filter((f) => f.includes('src/app/')).length} in src/app/`);
  for (const f of frames) console.log('   ', f);
};
await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }] }) }).then((r) => r.text());
show('gateway');
await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'How do I spawn a tokio task?' }) }).then((r) => r.text());
show('research');
await server.close();
await app.close();
process.exit(0);
