import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../core/errors.js';
import { buildProviders, type ProviderSet } from './build-providers.js';
import { parseConfigText } from './config/load-config.js';

/** An OpenAI-compatible upstream that is down: every chat call gets a 500. */
let upstream: Server;
let calls = 0;
let baseUrl = '';

beforeAll(async () => {
  upstream = createServer((request, response) => {
    calls += 1;
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'upstream is down', type: 'server_error' } }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});

const request = { model: 'llama3.1', messages: [{ role: 'user' as const, content: 'hello' }] };

/** One failed call; resolves to its error class once the breaker has heard the outcome. */
async function failedCall(providers: ProviderSet, name: string): Promise<string> {
  const error: unknown = await providers.providers.get(name)!.chat(request).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  await new Promise((resolve) => setImmediate(resolve));
  expect(error).toBeInstanceOf(ProviderError);
  return (error as ProviderError).errorClass;
}

describe('buildProviders: per-provider circuit_breaker config', () => {
  it('opens the breaker of a provider configured for 2 consecutive failures after 2, while the default waits for 5', async () => {
    const provider = (extra: string) => `    kind: openai_compatible\n    base_url: ${baseUrl}\n    request_optimization: { max_retries: 0 }\n${extra}`;
    const config = parseConfigText(
      ['providers:', '  strict:', provider('    circuit_breaker: { consecutive_failures: 2, open_duration: 10m }\n'), '  lenient:', provider('')].join('\n'),
      { env: {} },
    );
    const providers = await buildProviders(config);
    try {
      calls = 0;
      expect(await failedCall(providers, 'strict')).toBe('server');
      expect((await providers.providers.get('strict')!.status()).breaker.state).toBe('closed');
      expect(await failedCall(providers, 'strict')).toBe('server');
      const strict = await providers.providers.get('strict')!.status();
      expect(strict.breaker).toMatchObject({ state: 'open', consecutiveFailures: 2 });
      expect(strict.breaker.retryAfterMs).toBeGreaterThan(60_000); // open_duration: 10m, not the default 30 s
      expect(strict.healthy).toBe(false);
      expect(await failedCall(providers, 'strict')).toBe('circuit_open');
      expect(calls).toBe(2); // the refused call never reached the upstream

      for (let attempt = 0; attempt < 3; attempt++) expect(await failedCall(providers, 'lenient')).toBe('server');
      expect((await providers.providers.get('lenient')!.status()).breaker).toMatchObject({ state: 'closed', consecutiveFailures: 3 });
      expect(calls).toBe(5);
    } finally {
      await providers.close();
    }
  });
});
