import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProviders, type ProviderSet } from '../../src/app/build-providers.js';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { createPriceResolver } from '../../src/pipeline/budget/price-resolver.js';
import { PROVIDER_DEFINITIONS, PROVIDER_KINDS } from '../../src/providers/provider-kinds.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { drain } from './helpers/simulated.js';

/**
 * Walks the one list of provider kinds: whatever a new kind declares in `providers/<kind>/`
 * must work from a config file through the simulator to a priced answer.
 */

/** YAML for one provider block; `base_url` only when the kind has no default endpoint. */
function providerBlock(name: string, definition: (typeof PROVIDER_DEFINITIONS)[number], extra = ''): string {
  const body = (definition.defaultBaseUrl === undefined ? '    base_url: http://127.0.0.1:9/v1\n' : '') + extra;
  return body === '' ? `  ${name}: {}\n` : `  ${name}:\n${body}`;
}

const question = { model: 'auto', messages: [{ role: 'user' as const, content: 'How do I cancel a tokio task cleanly?' }], maxTokens: 64 };

let simulator: RunningSimulator;

beforeAll(async () => {
  simulator = await startSimulator({ seed: 3 });
});
afterAll(async () => {
  await simulator.close();
});

describe('the provider list', () => {
  it('names each kind, implied provider name and built-in simulated provider once', () => {
    const names = PROVIDER_DEFINITIONS.flatMap((definition) => definition.impliedByNames);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(PROVIDER_KINDS).size).toBe(PROVIDER_KINDS.length);
    const builtIns = PROVIDER_DEFINITIONS.map((definition) => definition.simulator.builtInName);
    expect(new Set(builtIns).size).toBe(builtIns.length);
    expect(simulator.providerNames()).toEqual(builtIns);
  });

  it('rejects a kind that is not in the list, naming the ones that are', () => {
    expect(() => parseConfigText('providers:\n  mine:\n    kind: cohere\n', { env: {} })).toThrow(/providers\.mine\.kind[\s\S]*openai_compatible/);
  });
});

describe.each(PROVIDER_DEFINITIONS.map((definition) => ({ kind: definition.kind, definition })))('provider kind $kind, end to end', ({ kind, definition }) => {
  it('is accepted by config by kind: and by every name that implies it, with its default model', () => {
    const byKind = parseConfigText(`providers:\n${providerBlock('mine', definition, `    kind: ${kind}\n`)}`, { env: {} });
    expect(byKind.providers.mine).toMatchObject({ kind, model: definition.defaultModel });
    for (const name of definition.impliedByNames) {
      const byName = parseConfigText(`providers:\n${providerBlock(name, definition)}`, { env: {} });
      expect(byName.providers[name]).toMatchObject({ kind, model: definition.defaultModel });
    }
  });

  it('takes its API key from each of its environment variables', () => {
    for (const variable of definition.apiKeyEnv) {
      const config = parseConfigText(`providers:\n${providerBlock('mine', definition, `    kind: ${kind}\n`)}`, { env: { [variable]: `key-from-${variable}` } });
      expect(config.providers.mine?.api_key).toBe(`key-from-${variable}`);
    }
  });

  it('requires base_url exactly when it has no default endpoint, whether the kind is written or implied', () => {
    const blocks = [['mine', `  mine:\n    kind: ${kind}\n`], ...definition.impliedByNames.map((name) => [name, `  ${name}: {}\n`])] as const;
    for (const [name, block] of blocks) {
      const parse = () => parseConfigText(`providers:\n${block}`, { env: {} });
      if (definition.defaultBaseUrl === undefined) {
        expect(parse).toThrow(`providers.${name}.base_url`);
        expect(parse).toThrow(definition.baseUrlExample);
      } else {
        expect(parse().providers[name]?.base_url).toBeUndefined();
      }
    }
  });

  it('is served by the simulator in its own format over HTTP', async () => {
    const name = definition.simulator.builtInName;
    expect(simulator.formatOf(name)).toBe(kind);
    const request = definition.wire.buildChatRequest(question, { baseUrl: simulator.baseUrlFor(name), apiKey: 'test-key' }, { stream: false });
    const response = await fetch(`${simulator.baseUrlFor(name)}${request.path}`, { method: request.method, headers: request.headers, body: request.body ?? null });
    expect(response.status).toBe(200);
    const result = definition.wire.parseChatResponse(await response.json());
    expect(result.text.length).toBeGreaterThan(20);
  });

  describe('built from config', () => {
    let providers: ProviderSet;
    beforeAll(async () => {
      const config = parseConfigText(
        `simulator: { mode: always, latency_ms: 0 }\nproviders:\n${providerBlock('mine', definition, `    kind: ${kind}\n    request_optimization: { max_retries: 0 }\n`)}`,
        { env: {} },
      );
      providers = await buildProviders(config);
    });
    afterAll(async () => {
      await providers.close();
    });

    it('answers a chat and a stream through the simulator at its default model', async () => {
      const provider = providers.providers.get('mine')!;
      expect(provider).toMatchObject({ kind, simulated: true, capabilities: definition.capabilities });
      const result = await provider.chat(question);
      expect(result.text.length).toBeGreaterThan(20);
      expect(result.model).toBe(definition.defaultModel);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      const { parts, error } = await drain(provider.stream(question));
      expect(error).toBeUndefined();
      expect(parts.at(-1)).toMatchObject({ type: 'finish', model: definition.defaultModel });
      expect(typeof provider.embed).toBe(definition.capabilities.embeddings ? 'function' : 'undefined');
    });

    it('has its default model priced from its own list, not from the unlisted-model ceiling', () => {
      const prices = createPriceResolver({ providerKinds: { mine: kind } });
      expect(prices.quote(definition.defaultModel, 'mine')).toMatchObject({ basis: 'listed' });
    });
  });
});
