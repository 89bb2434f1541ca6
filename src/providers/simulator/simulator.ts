import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnswerGenerator } from './answer/answer-generator.js';
import { createSimFormat, sdkBasePath } from './formats/create-sim-format.js';
import type { SimulatorFormat } from './formats/sim-format.js';
import { createRequestHandler, type SimProvider } from './request-handler.js';
import { createSeededRandom } from '../../core/seeded-random.js';
import { PROVIDER_DEFINITIONS } from '../provider-kinds.js';
import { hashString } from './seeded-random.js';
import { DEFAULT_PROFILE, mergeProfile, type SimulatorProfile } from './simulator-profile.js';
import { createStats, type SimulatorStats } from './simulator-stats.js';
import { TimerSet } from './timer-set.js';

export type { SimulatorFormat } from './formats/sim-format.js';
export type { LatencySpec, QualityMode, SimulatorProfile, StreamUsageStyle } from './simulator-profile.js';
export type { SimulatorStats } from './simulator-stats.js';
export { SCENARIO_HEADER, type Scenario } from './scenario.js';

export interface SimulatedProviderOptions {
  format: SimulatorFormat;
  profile?: Partial<SimulatorProfile>;
}

export interface SimulatorOptions {
  /** Loopback by default; the simulator is for tests, benchmarks and demos. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Seeds every provider's generator (each mixes in its own name). Default 1. */
  seed?: number;
  /** Applied to every provider, under its own profile. */
  profile?: Partial<SimulatorProfile>;
  /** Extra providers by path prefix, or new profiles for the built-in ones. */
  providers?: Record<string, SimulatedProviderOptions>;
  /** The built-ins, one per provider kind: `openai`, `claude`, `gemini`, `compat` (default true). */
  builtInProviders?: boolean;
  /** Clock for the per-minute rate-limit window, ms. */
  now?: () => number;
}

export interface RunningSimulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /**
   * The base URL the provider's official SDK and wire format want: `${url}/openai/v1` for
   * OpenAI-style providers, `${url}/claude` for Anthropic, `${url}/gemini` for Gemini.
   */
  baseUrlFor(name: string): string;
  providerNames(): string[];
  formatOf(name: string): SimulatorFormat;
  profileOf(name: string): SimulatorProfile;
  /** Changes a provider's behaviour from the next request on. */
  setProfile(name: string, patch: Partial<SimulatorProfile>): void;
  /** A snapshot of the provider's counters. */
  stats(name: string): SimulatorStats;
  resetStats(name?: string): void;
  /** Cancels pending answers, drops open (and hung) connections, stops listening. Idempotent. */
  close(): Promise<void>;
}

/** One built-in simulated provider per kind, named by its definition (`openai`, `claude`, `gemini`, `compat`). */
export const BUILT_IN_PROVIDERS: Readonly<Record<string, SimulatorFormat>> = Object.freeze(
  Object.fromEntries(PROVIDER_DEFINITIONS.map((definition) => [definition.simulator.builtInName, definition.kind])),
);

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

class SimulatorServer implements RunningSimulator {
  readonly url: string;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    private readonly providers: Map<string, SimProvider>,
    private readonly timers: TimerSet,
  ) {
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}`;
  }

  private provider(name: string): SimProvider {
    const provider = this.providers.get(name);
    if (provider === undefined) throw new Error(`simulator: no provider named "${name}" (have: ${this.providerNames().join(', ')})`);
    return provider;
  }

  baseUrlFor(name: string): string {
    return `${this.url}/${name}${sdkBasePath(this.provider(name).kind)}`;
  }

  providerNames(): string[] {
    return [...this.providers.keys()];
  }

  formatOf(name: string): SimulatorFormat {
    return this.provider(name).kind;
  }

  profileOf(name: string): SimulatorProfile {
    return { ...this.provider(name).profile };
  }

  setProfile(name: string, patch: Partial<SimulatorProfile>): void {
    const provider = this.provider(name);
    provider.profile = mergeProfile(provider.profile, patch);
  }

  stats(name: string): SimulatorStats {
    const stats = this.provider(name).stats;
    return { ...stats, byStatus: { ...stats.byStatus } };
  }

  resetStats(name?: string): void {
    const names = name === undefined ? this.providerNames() : [name];
    for (const each of names) {
      const provider = this.provider(each);
      provider.stats = { ...createStats(), inFlight: provider.stats.inFlight };
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve, reject) => {
      this.timers.close();
      this.server.close((error) => (error === undefined ? resolve() : reject(error)));
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}

/** Starts the loopback server that speaks every provider kind's wire format. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const seed = options.seed ?? 1;
  const shared = mergeProfile(DEFAULT_PROFILE, options.profile);
  const specs: Record<string, SimulatedProviderOptions> = {};
  if (options.builtInProviders !== false) {
    for (const [name, format] of Object.entries(BUILT_IN_PROVIDERS)) specs[name] = { format };
  }
  Object.assign(specs, options.providers);
  const providers = new Map<string, SimProvider>();
  for (const [name, spec] of Object.entries(specs)) {
    if (!NAME.test(name)) throw new Error(`simulator: provider name "${name}" must be letters, digits, '-' or '_'`);
    providers.set(name, {
      name,
      kind: spec.format,
      format: createSimFormat(spec.format),
      profile: mergeProfile(shared, spec.profile),
      random: createSeededRandom(hashString(name, seed)),
      stats: createStats(),
      window: { start: 0, count: 0 },
    });
  }
  const timers = new TimerSet();
  const handler = createRequestHandler({
    providers,
    answers: createAnswerGenerator(),
    timers,
    now: options.now ?? Date.now,
  });
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handler);
  // Hung requests must stay open until the client gives up.
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new SimulatorServer(server, providers, timers);
}
