/**
 * Issue 20, first row: `cost_management.providers.<name>.token_optimization` changes what the
 * provider receives. Built through the real config loader and `buildProviders`, against a
 * loopback OpenAI-compatible upstream that records every body it is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProviders, type ProviderSet } from '../../src/app/build-providers.js';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { completion, readBody, startTestServer, type TestServer } from './helpers/test-server.js';

let upstream: TestServer;
const bodies: { max_tokens?: number; messages: { content: string }[] }[] = [];
let set: ProviderSet;

beforeAll(async () => {
  upstream = await startTestServer(async (request, response) => {
    bodies.push(JSON.parse((await readBody(request)).toString()) as (typeof bodies)[number]);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(completion('ok')));
  });
  const config = parseConfigText(
    `
providers:
  limited: { kind: openai_compatible, base_url: "${upstream.url}/v1", model: small, request_optimization: { max_retries: 0 } }
  free: { kind: openai_compatible, base_url: "${upstream.url}/v1", model: small }
cost_management:
  providers:
    limited:
      token_optimization: { max_output_tokens: 300, max_input_tokens: 200, compress_context: true }
`,
    { env: {} },
  );
  set = await buildProviders(config);
}, 30_000);

afterAll(async () => {
  await set?.close();
  await upstream?.close();
});

const longPrompt = `Explain this log:\n\n${'connection reset by peer    at   worker-7   retrying\n\n\n'.repeat(120)}What went wrong?`;

describe('token_optimization reaches the wire', () => {
  it('caps max_tokens, fits the prompt and compresses whitespace for the provider that sets it', async () => {
    await set.providers.get('limited')!.chat({ model: 'small', maxTokens: 2400, messages: [{ role: 'user', content: longPrompt }] });
    const sent = bodies.at(-1)!;
    expect(sent.max_tokens).toBe(300);
    expect(sent.messages[0]!.content.length).toBeLessThan(longPrompt.length / 2);
    expect(sent.messages[0]!.content).toContain('What went wrong?');
    expect(sent.messages[0]!.content).not.toContain('    at   ');
  });

  it('leaves a provider without token_optimization alone', async () => {
    await set.providers.get('free')!.chat({ model: 'small', maxTokens: 2400, messages: [{ role: 'user', content: longPrompt }] });
    const sent = bodies.at(-1)!;
    expect(sent.max_tokens).toBe(2400);
    expect(sent.messages[0]!.content).toBe(longPrompt);
  });

  it('streams are optimised too', async () => {
    const stream = set.providers.get('limited')!.stream({ model: 'small', maxTokens: 5000, messages: [{ role: 'user', content: 'hi' }] });
    await stream[Symbol.asyncIterator]().next().catch(() => undefined);
    expect(bodies.at(-1)!.max_tokens).toBe(300);
  });
});
