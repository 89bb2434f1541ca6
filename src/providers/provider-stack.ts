import type { ChatRequest } from '../core/chat.js';
import type { BreakerPolicy, BreakerSnapshot } from './circuit-breaker/breaker-state.js';
import type { BreakerStore } from './circuit-breaker/breaker-store.js';
import { CircuitBreaker, withCircuitBreaker } from './circuit-breaker/circuit-breaker.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { OriginStats } from './connection-pool.js';
import { createProviderTiming } from './fallback/provider-timing.js';
import { createHttpProvider } from './http-provider.js';
import type { HttpProviderOptions } from './http-provider.js';
import { HttpTransport } from './http-transport.js';
import { withModelChoice, type ModelChoiceOptions } from './model-choice.js';
import { withTokenOptimization, type TokenOptimizationOptions } from './token-optimization.js';
import type { Provider } from './provider.js';
import { providerDefinition } from './provider-kinds.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import type { RateLimitOptions, RateLimitSnapshot } from './rate-limit/rate-limiter.js';
import type { RateLimitStore } from './rate-limit/rate-limit-store.js';
import { withRateLimit } from './rate-limit/with-rate-limit.js';
import { withDailyQuota, type DailyRequestQuota } from './rate-limit/daily-quota.js';
import type { RetryOptions } from './retry/retry-policy.js';
import { withRetry } from './retry/with-retry.js';
import type { ProviderStats, ProviderStatsSnapshot } from './stats/provider-stats.js';

/** A function that wraps a provider in one concern (rate limit, breaker, retry…). */
export type ProviderDecorator = (inner: Provider) => Provider;

/** `composeProvider(base, [a, b, c])` is `a(b(c(base)))`: the list reads outermost first. */
export function composeProvider(base: Provider, decorators: readonly ProviderDecorator[]): Provider {
  return decorators.reduceRight((inner, decorate) => decorate(inner), base);
}

export interface ProviderStackOptions extends HttpProviderOptions {
  /** Which model answers a request (outermost layer); without it requests keep their model. */
  modelChoice?: ModelChoiceOptions;
  /** The seed's `cost_management.providers.<name>.token_optimization`. */
  tokenOptimization?: TokenOptimizationOptions;
  rateLimit?: RateLimitOptions;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerPolicy>;
  /** `deadline_seconds` in ms: one request's tries, retries and fallbacks together (default `totalTimeoutMs`). */
  deadlineMs?: number;
  /** `hedge_after` in ms, or `auto` (default): when the next provider starts beside a slow try. */
  hedgeAfterMs?: number | 'auto';
}

export interface ProviderStackDeps {
  /** Shared transport (one pool per origin for all providers); owned by the caller. */
  transport?: HttpTransport;
  stats?: ProviderStats;
  clock?: Clock;
  random?: () => number;
  rateLimitStore?: RateLimitStore;
  breakerStore?: BreakerStore;
  estimateTokens?: (request: ChatRequest) => number;
  /** `usage_optimization.max_requests_per_day`: every request the provider receives takes one (innermost layer). */
  dailyQuota?: DailyRequestQuota;
}

export interface ProviderStatus {
  name: string;
  kind: Provider['kind'];
  simulated: boolean;
  /** Origin only (never a path or query that could carry a key). */
  origin: string;
  /** A key is present, or the kind needs none. */
  configured: boolean;
  /** Configured and the breaker is not open. */
  healthy: boolean;
  breaker: BreakerSnapshot;
  rateLimit: RateLimitSnapshot;
  /** Rolling statistics; undefined when no statistics sink was given. */
  stats: ProviderStatsSnapshot | undefined;
  connections: OriginStats | undefined;
}

/** A provider with its resilience stack and a status snapshot for `providers status`. */
export interface ManagedProvider extends Provider {
  readonly limiter: RateLimiter;
  readonly breaker: CircuitBreaker;
  status(): Promise<ProviderStatus>;
}

const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, retryDelayMs: 1_000, exponentialBackoff: true };

/**
 * One configured provider, composed model choice → rate-limit → breaker → retry → transport: a
 * call gets the model this provider runs, waits for its turn, is refused while the breaker is
 * open, and only then is retried against the wire. The rate limiter also hears every
 * response's `retry-after` / `x-ratelimit-*` hints.
 */
export function createProviderStack(options: ProviderStackOptions, deps: ProviderStackDeps = {}): ManagedProvider {
  const clock = deps.clock ?? systemClock;
  const ownsTransport = deps.transport === undefined;
  const transport = deps.transport ?? new HttpTransport();
  const limiter = new RateLimiter(options.name, options.rateLimit ?? {}, { store: deps.rateLimitStore, clock });
  const breaker = new CircuitBreaker(options.name, options.breaker, { store: deps.breakerStore, clock });
  const base = createHttpProvider(options, {
    transport,
    stats: deps.stats,
    clock,
    onRateLimitInfo: (info, status) => limiter.observe(info, status),
  });
  const stacked = composeProvider(base, [
    ...(options.modelChoice ? [withModelChoice(options.modelChoice)] : []),
    ...(options.tokenOptimization ? [withTokenOptimization(options.tokenOptimization)] : []),
    withRateLimit(limiter, { estimateTokens: deps.estimateTokens }),
    withCircuitBreaker(breaker),
    withRetry({ ...DEFAULT_RETRY, ...options.retry }, { clock, random: deps.random }),
    ...(deps.dailyQuota ? [withDailyQuota(deps.dailyQuota)] : []),
  ]);
  const origin = originOf(options);

  const managed: ManagedProvider = {
    ...stacked,
    limiter,
    breaker,
    timing: createProviderTiming({ deadlineMs: options.deadlineMs ?? options.totalTimeoutMs ?? 30_000, hedgeAfterMs: options.hedgeAfterMs }),
    status: () =>
      statusOf(options, { simulated: stacked.simulated, origin, breaker, limiter }, () => ({
        stats: deps.stats?.snapshot(options.name),
        connections: transport.stats().find((stats) => stats.origin === origin),
      })),
    async close() {
      await limiter.close();
      await breaker.close();
      await stacked.close();
      if (ownsTransport) await transport.close();
    },
  };
  return managed;
}

/**
 * A provider's status from its options and the shared breaker and rate-limit state alone: no
 * transport, no stack, no simulator (`providers status` without a server). No call statistics
 * or connections: only a process that calls providers has them.
 */
export async function storedProviderStatus(
  options: ProviderStackOptions,
  deps: { rateLimitStore?: RateLimitStore | undefined; breakerStore?: BreakerStore | undefined; origin?: string },
): Promise<ProviderStatus> {
  const limiter = new RateLimiter(options.name, options.rateLimit ?? {}, { store: deps.rateLimitStore });
  const breaker = new CircuitBreaker(options.name, options.breaker, { store: deps.breakerStore });
  try {
    return await statusOf(options, { simulated: options.simulated ?? false, origin: deps.origin ?? originOf(options), breaker, limiter }, () => ({ stats: undefined, connections: undefined }));
  } finally {
    await limiter.close();
    await breaker.close();
  }
}

/** Where a provider's calls go (origin only: never a path or query that could carry a key). */
function originOf(options: ProviderStackOptions): string {
  return new URL(options.baseUrl ?? providerDefinition(options.kind).defaultBaseUrl ?? '').origin;
}

async function statusOf(
  options: ProviderStackOptions,
  parts: { simulated: boolean; origin: string; breaker: CircuitBreaker; limiter: RateLimiter },
  live: () => Pick<ProviderStatus, 'stats' | 'connections'>,
): Promise<ProviderStatus> {
  const [breakerSnapshot, rateLimit] = await Promise.all([parts.breaker.snapshot(), parts.limiter.snapshot()]);
  const configured = !providerDefinition(options.kind).requiresApiKey || Boolean(options.apiKey);
  return {
    name: options.name,
    kind: options.kind,
    simulated: parts.simulated,
    origin: parts.origin,
    configured,
    healthy: configured && breakerSnapshot.state !== 'open',
    breaker: breakerSnapshot,
    rateLimit,
    ...live(),
  };
}

/** Every provider's status, in the order given: what `fortitude providers status` renders. */
export function providerStatus(providers: readonly ManagedProvider[]): Promise<ProviderStatus[]> {
  return Promise.all(providers.map((provider) => provider.status()));
}
