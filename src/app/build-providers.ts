import type { FortitudeConfig } from './config/schema.js';
import type { ResolvedProvider } from './config/sections/providers.js';
import { createProviderStack, providerStatus, type ManagedProvider, type ProviderStatus } from '../providers/provider-stack.js';
import { chooseModel, type ModelChoiceOptions } from '../providers/model-choice.js';
import { HttpTransport } from '../providers/http-transport.js';
import { createProviderStats, type ProviderStats } from '../providers/stats/provider-stats.js';
import { startSimulator, type RunningSimulator } from '../providers/simulator/simulator.js';
import { createProviderChain, type ProviderChain } from '../providers/fallback/provider-chain.js';
import type { RateLimitStore } from '../providers/rate-limit/rate-limit-store.js';
import type { BreakerStore } from '../providers/circuit-breaker/breaker-store.js';
import type { BudgetStore } from '../infrastructure/budget/budget-store.js';
import { createDailyRequestQuota } from '../infrastructure/budget/daily-request-quota.js';
import { MemoryBudgetStore } from '../pipeline/budget/memory-budget-store.js';
import type { DailyRequestQuota } from '../providers/rate-limit/daily-quota.js';
import { isSimulatedProvider, SIMULATOR_KEY } from './simulated-providers.js';
import { providerStackOptions, providerStatsOptions, tokenOptimizationOptions } from './component-options.js';

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
  /** The model a configured provider runs when `requested` is asked of it (see `chooseModel`). */
  modelFor(provider: string, requested: string): string;
  status(): Promise<ProviderStatus[]>;
  close(): Promise<void>;
}

/**
 * Builds one resilient provider stack per configured provider over a shared transport. With
 * no API key (or `simulator.mode: always`) a provider talks to the built-in simulator, started
 * here on a loopback port, speaking that provider's own wire format.
 */
export async function buildProviders(
  config: FortitudeConfig,
  deps: { rateLimitStore?: RateLimitStore | undefined; breakerStore?: BreakerStore | undefined; budgetStore?: BudgetStore | undefined } = {},
): Promise<ProviderSet> {
  const enabled = Object.values(config.providers).filter((provider) => provider.enabled);
  const isSimulated = (provider: ResolvedProvider) => isSimulatedProvider(config, provider);
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
  const modelChoices = new Map<string, ModelChoiceOptions>();
  for (const provider of enabled) {
    const simulated = isSimulated(provider);
    const options = providerStackOptions(provider, {
      ...(simulated ? { apiKey: SIMULATOR_KEY } : {}),
      ...(simulated && simulator ? { simulated: true, baseUrl: simulator.baseUrlFor(provider.name) } : {}),
    });
    const modelChoice = modelChoiceFor(provider, config);
    modelChoices.set(provider.name, modelChoice);
    providers.set(
      provider.name,
      createProviderStack(
        { ...options, modelChoice, ...tokenOptimizationOptions(config, provider.name) },
        {
          transport,
          stats,
          ...(deps.rateLimitStore ? { rateLimitStore: deps.rateLimitStore } : {}),
          ...(deps.breakerStore ? { breakerStore: deps.breakerStore } : {}),
          ...dailyQuotaFor(config, provider.name, deps.budgetStore),
        },
      ),
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
    modelFor: (name, requested) => {
      const choice = modelChoices.get(name);
      return choice ? chooseModel(choice, requested) : requested;
    },
    status: () => providerStatus([...providers.values()]),
    async close() {
      await Promise.allSettled([...providers.values()].map((provider) => provider.close()));
      await transport.close();
      await simulator?.close();
    },
  };
}

/** The models a provider serves as asked: its `model`, `models`, and the cost manager's picks for it. */
function modelChoiceFor(config: ResolvedProvider, root: FortitudeConfig): ModelChoiceOptions {
  const selection = root.cost_management.providers[config.name]?.model_selection;
  return {
    defaultModel: config.model,
    servedModels: [...config.models, ...(selection?.default ? [selection.default] : []), ...(selection?.cost_optimized ? [selection.cost_optimized] : [])],
    embeddingModel: config.embedding_model,
  };
}

/** `cost_management.providers.<name>.usage_optimization.max_requests_per_day` → the provider's daily quota, counted in the budget store. */
function dailyQuotaFor(config: FortitudeConfig, provider: string, store: BudgetStore | undefined): { dailyQuota?: DailyRequestQuota } {
  const limit = config.cost_management.providers[provider]?.usage_optimization?.max_requests_per_day;
  if (limit === undefined) return {};
  // Only a single-process caller (tests) builds providers without the shared store: count in memory then.
  return { dailyQuota: createDailyRequestQuota(store ?? new MemoryBudgetStore(), { provider, limit }) };
}
