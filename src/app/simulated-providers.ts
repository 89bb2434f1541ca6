import { providerDefinition } from '../providers/provider-kinds.js';
import type { FortitudeConfig } from './config/schema.js';
import type { ResolvedProvider } from './config/sections/providers.js';

/** Placeholder key for simulated providers: the simulator wants a key, never a real one. */
export const SIMULATOR_KEY = 'simulated-no-real-key';

/** Whether a configured provider talks to the built-in simulator: `simulator.mode: always`, or no key where its kind needs one. */
export function isSimulatedProvider(config: FortitudeConfig, provider: ResolvedProvider): boolean {
  return config.simulator.mode === 'always' || (config.simulator.mode === 'auto' && !provider.api_key && providerDefinition(provider.kind).requiresApiKey);
}

/** The enabled providers that are simulated, in configuration order (what `buildProviders` reports as `simulated`). */
export function simulatedProviderNames(config: FortitudeConfig): string[] {
  return Object.values(config.providers)
    .filter((provider) => provider.enabled && isSimulatedProvider(config, provider))
    .map((provider) => provider.name);
}
