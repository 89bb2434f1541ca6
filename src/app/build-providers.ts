import type { ChatRequest } from '../core/chat.js';
import type { FortitudeConfig } from './config/schema.js';
import type { ResolvedProvider } from './config/sections/providers.js';
import { createProviderStack, providerStatus, type ManagedProvider, type ProviderStatus } from '../providers/provider-stack.js';
import type { CallOptions, Provider } from '../providers/provider.js';
import { HttpTransport } from '../providers/http-transport.js';
import { createProviderStats, type ProviderStats } from '../providers/stats/provider-stats.js';
import { startSimulator, type RunningSimulator } from '../providers/simulator/simulator.js';
import { createProviderChain, type ProviderChain } from '../providers/fallback/provider-chain.js';
import type { RateLimitStore } from '../providers/rate-limit/rate-limit-store.js';
import type { BreakerStore } from '../providers/circuit-breaker/breaker-store.js';
import { providerStackOptions, providerStatsOptions } from './component-options.js';

export interface ProviderSet {
  /** Configured, enabled providers in config order. */
  readonly names: string[];
  readonly providers: ReadonlyMap<string, ManagedProvider>;
  readonly configs: ReadonlyMap<string, ResolvedProvider>;
  readonly chain: ProviderChain;
  readonly stats: ProviderStats;
  /** Providers answered by the built-in simulator (no API key). */
  readonly simulated: string[];
  readonly simulator: RunningSimulator | undefined;
  status(): Promise<ProviderStatus[]>;
  close(): Promise<void>;
}

/** Placeholder key for simulated providers: the simulator wants a key, never a real one. */
const SIMULATOR_KEY = 'simulated-no-real-key';

/**
 * Builds one resilient provider stack per configured provider over a shared transport. With
 * no API key (or `simulator.mode: always`) a provider talks to the built-in simulator, started
 * here on a loopback port, speaking that provider's own wire format.
 */
export async function buildProviders(config: FortitudeConfig, deps: { rateLimitStore?: RateLimitStore | undefined; breakerStore?: BreakerStore | undefined } = {}): Promise<ProviderSet> {
  const enabled = Object.values(config.providers).filter((provider) => provider.enabled);
  const isSimulated = (provider: ResolvedProvider) =>
    config.simulator.mode === 'always' ||
    (config.simulator.mode === 'auto' && !provider.api_key && provider.kind !== 'openai_compatible');
  const simulatedConfigs = enabled.filter(isSimulated);

  let simulator: RunningSimulator | undefined;
  if (simulatedConfigs.length > 0) {
    simulator = await startSimulator({
      seed: config.simulator.seed,
      builtInProviders: false,
      providers: Object.fromEntries(
        simulatedConfigs.map((provider, index) => [
          provider.name,
          {
            format: provider.kind,
            // Distinct but steady latencies, so routing has something to learn from.
            profile: config.simulator.latency_ms > 0 ? { latencyMs: { medianMs: config.simulator.latency_ms * (1 + index * 0.5), p99Ms: config.simulator.latency_ms * (3 + index) } } : {},
          },
        ]),
      ),
    });
  }

  const transport = new HttpTransport();
  const stats = createProviderStats(providerStatsOptions(config));
  const providers = new Map<string, ManagedProvider>();
  const configs = new Map<string, ResolvedProvider>();
  for (const provider of enabled) {
    const simulated = isSimulated(provider);
    const options = providerStackOptions(provider, {
      ...(simulated ? { apiKey: SIMULATOR_KEY } : {}),
      ...(simulated && simulator ? { simulated: true, baseUrl: simulator.baseUrlFor(provider.name) } : {}),
    });
    providers.set(
      provider.name,
      withDefaultModel(createProviderStack(options, {
        transport,
        stats,
        ...(deps.rateLimitStore ? { rateLimitStore: deps.rateLimitStore } : {}),
        ...(deps.breakerStore ? { breakerStore: deps.breakerStore } : {}),
      }), provider, config),
    );
    configs.set(provider.name, provider);
  }

  return {
    names: [...providers.keys()],
    providers,
    configs,
    chain: createProviderChain(providers),
    stats,
    simulated: simulatedConfigs.map((provider) => provider.name),
    simulator,
    status: () => providerStatus([...providers.values()]),
    async close() {
      await Promise.allSettled([...providers.values()].map((provider) => provider.close()));
      await transport.close();
      await simulator?.close();
    },
  };
}

/**
 * Requests name a model only when the caller chose one this provider serves; otherwise (empty,
 * `auto`, or another provider's model during fallback) the provider's configured model is used.
 */
function withDefaultModel(provider: ManagedProvider, config: ResolvedProvider, root: FortitudeConfig): ManagedProvider {
  const selection = root.cost_management.providers[config.name]?.model_selection;
  const own = new Set([config.model, ...config.models, ...(selection?.default ? [selection.default] : []), ...(selection?.cost_optimized ? [selection.cost_optimized] : [])]);
  const resolve = (request: ChatRequest): ChatRequest => (own.has(request.model) ? request : { ...request, model: config.model });
  return Object.assign(Object.create(provider) as ManagedProvider, {
    chat: (request: ChatRequest, options?: CallOptions) => provider.chat(resolve(request), options),
    stream: (request: ChatRequest, options?: CallOptions) => provider.stream(resolve(request), options),
    ...(provider.embed
      ? {
          embed: (request: Parameters<NonNullable<Provider['embed']>>[0], options?: CallOptions) =>
            provider.embed!({ ...request, model: request.model && request.model !== 'auto' ? request.model : (config.embedding_model ?? request.model) }, options),
        }
      : {}),
  });
}
