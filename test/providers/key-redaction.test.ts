import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { createHttpProvider } from '../../src/providers/http-provider.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import { createProviderStack } from '../../src/providers/provider-stack.js';
import { startSimulator } from '../../src/providers/simulator/simulator.js';
import type { RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { createProviderStats } from '../../src/providers/stats/provider-stats.js';
import { refusedUrl, startTestServer } from './helpers/test-server.js';
import type { TestServer } from './helpers/test-server.js';
import { SIMULATED_KINDS, drain, question, settle } from './helpers/simulated.js';

let simulator: RunningSimulator;
let echo: TestServer;
let transport: HttpTransport;

beforeAll(async () => {
  simulator = await startSimulator({ seed: 3 });
  transport = new HttpTransport();
  // A server that echoes the credential back in its error body, as OpenAI does for bad keys.
  echo = await startTestServer((incoming, response) => {
    const credential = incoming.headers.authorization ?? incoming.headers['x-api-key'] ?? incoming.headers['x-goog-api-key'] ?? '';
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(credential)}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
  });
});
afterAll(async () => {
  await transport.close();
  await echo.close();
  await simulator.close();
});

/** Everything a log line, an HTTP error body or a crash report could show about an error. */
function surfaces(error: unknown): string[] {
  const out: string[] = [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    out.push(current.message, current.stack ?? '', JSON.stringify(current));
  }
  return out;
}

function expectNoKey(error: unknown, key: string) {
  expect(error).toBeInstanceOf(ProviderError);
  for (const surface of surfaces(error)) expect(surface).not.toContain(key);
}

describe.each(SIMULATED_KINDS)('API keys never leak ($kind)', ({ name, kind, apiKey }) => {
  const provider = (baseUrl: string, scenario?: string, totalTimeoutMs = 2_000) =>
    createHttpProvider(
      { name, kind, baseUrl, apiKey, totalTimeoutMs, readTimeoutMs: 2_000, ...(scenario ? { headers: { 'x-simulator-scenario': scenario } } : {}) },
      { transport },
    );

  it.each(['unauthorized', 'bad_request', 'error_500', 'rate_limit', 'reset'])('in a %s error', async (scenario) => {
    const error = (await settle(provider(simulator.baseUrlFor(name), scenario).chat(question))).error;
    expectNoKey(error, apiKey);
  });

  it('in timeouts, refused connections and broken streams', async () => {
    expectNoKey((await settle(provider(simulator.baseUrlFor(name), 'hang', 100).chat(question))).error, apiKey);
    expectNoKey((await settle(provider(`${await refusedUrl()}/v1`).chat(question))).error, apiKey);
    expectNoKey((await drain(provider(simulator.baseUrlFor(name), 'truncate').stream({ ...question, maxTokens: undefined }))).error, apiKey);
  });

  it('when the provider echoes the key back in its error body', async () => {
    const error = (await settle(provider(`${echo.url}/v1`).chat(question))).error;
    expectNoKey(error, apiKey);
    expect((error as Error).message).toContain('[redacted]');
  });

  it('in statistics and status snapshots', async () => {
    const stats = createProviderStats();
    const stacked = createProviderStack(
      { name, kind, baseUrl: simulator.baseUrlFor(name), apiKey, retry: { maxRetries: 0 }, headers: { 'x-simulator-scenario': 'unauthorized' } },
      { transport, stats },
    );
    await settle(stacked.chat(question));
    expect(JSON.stringify(await stacked.status())).not.toContain(apiKey);
    await stacked.close();
  });
});
