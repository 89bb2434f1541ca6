import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChatRequest } from '../core/chat.js';
import type { ResearchType } from '../core/research.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { createBudgetGuard, type BudgetGuard } from '../pipeline/budget/budget-guard.js';
import type { BudgetStore } from '../pipeline/budget/budget-store.js';
import { MemoryBudgetStore } from '../pipeline/budget/memory-budget-store.js';
import { createPriceResolver, type PriceResolver } from '../pipeline/budget/price-resolver.js';
import { RedisBudgetStore } from '../infrastructure/redis/redis-budget-store.js';
import { RedisRateLimitStore } from '../infrastructure/redis/redis-rate-limit-store.js';
import { createRouter, type Router } from '../pipeline/routing/router.js';
import { createRouteSteering, type RouteSteering } from '../operations/optimizer/route-steering.js';
import type { RateLimitStore } from '../providers/rate-limit/rate-limit-store.js';
import { estimateChatTokens } from '../providers/rate-limit/token-estimator.js';
import type { BreakerStore } from '../providers/circuit-breaker/breaker-store.js';
import { RedisBreakerStore } from '../infrastructure/redis/redis-breaker-store.js';
import { budgetGuardOptions, routerOptions } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

/**
 * State shared by every replica when `REDIS_URL` is set: budgets, provider rate limits and
 * circuit breakers (the semantic cache's entries use `redis` and `keyPrefix` too).
 */
export interface SharedState {
  readonly redis: Redis | Cluster | undefined;
  /** `redis.key_prefix` without its trailing colon. */
  readonly keyPrefix: string;
  readonly rateLimitStore: RateLimitStore | undefined;
  readonly budgetStore: BudgetStore;
  readonly breakerStore: BreakerStore | undefined;
  close(): Promise<void>;
}

export function buildSharedState(config: FortitudeConfig, logger: Logger): SharedState {
  const prefix = config.redis.key_prefix.replace(/:$/, '');
  if (!config.redis.url) {
    return { redis: undefined, keyPrefix: prefix, rateLimitStore: undefined, budgetStore: new MemoryBudgetStore(), breakerStore: undefined, close: async () => undefined };
  }
  const urls = config.redis.url.split(',').map((url) => url.trim());
  // Unlike the cache client, commands queue briefly while connecting: a budget must be asked, not guessed.
  const options = { commandTimeout: 1_000, maxRetriesPerRequest: 2, connectTimeout: 2_000 };
  const redis = config.caching.levels.redis.cluster_mode
    ? new Cluster(
        urls.map((url) => {
          const parsed = new URL(url.includes('://') ? url : `redis://${url}`);
          return { host: parsed.hostname, port: Number(parsed.port || 6379) };
        }),
        { redisOptions: options },
      )
    : new Redis(urls[0]!, options);
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'shared-state Redis error'));
  return {
    redis,
    keyPrefix: prefix,
    rateLimitStore: new RedisRateLimitStore(redis, { keyPrefix: `{${prefix}:ratelimit}` }),
    budgetStore: new RedisBudgetStore(redis, { hashTag: `${prefix}:budget` }),
    breakerStore: new RedisBreakerStore(redis, {
      keyPrefix: prefix,
      onDegraded: (error) => logger.warn({ err: error }, 'circuit breaker answered from process memory: shared state unreachable'),
    }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export interface Routing {
  /** The learning router, as steered by the optimizer's reversible changes. */
  readonly router: Router;
  readonly steering: RouteSteering;
  readonly budget: BudgetGuard;
  readonly prices: PriceResolver;
  /** Worst-case prompt tokens of a request, for the budget reservation. */
  estimateTokens(request: ChatRequest): number;
  urgentFor(researchType: ResearchType): boolean;
  close(): Promise<void>;
}

export function buildRouting(
  config: FortitudeConfig,
  deps: { providerNames: string[]; providerModels: Record<string, string>; storage: Storage; budgetStore: BudgetStore; logger: Logger },
): Routing {
  const prices = createPriceResolver({
    global: config.cost_management.pricing,
    perProvider: Object.fromEntries(Object.values(config.providers).map((provider) => [provider.name, provider.pricing])),
    providerKinds: Object.fromEntries(Object.values(config.providers).map((provider) => [provider.name, provider.kind])),
    onUnlistedModel: ({ provider, model, kind, chargedAt }) =>
      deps.logger.warn(
        { provider, model, kind, chargedAt },
        `model ${model} of provider ${provider} has no listed price: budgets charge it the highest ${kind} prices (${chargedAt.input_per_million}/${chargedAt.output_per_million} USD per million input/output tokens); set providers.${provider}.pricing to its real price`,
      ),
  });
  const providerPrices = Object.fromEntries(deps.providerNames.map((name) => [name, prices.priceOf(deps.providerModels[name] ?? '', name)]));
  const budget = createBudgetGuard(
    { ...budgetGuardOptions(config.cost_management), providerPrices },
    {
      store: deps.budgetStore,
      onAlert: (alert) =>
        deps.logger.warn({ budget: alert }, `budget ${alert.period} at ${Math.round(alert.utilisation * 100)}%: action ${alert.action}`),
    },
  );
  const typicalTokens = { input: 600, output: 800 };
  const router = createRouter(
    {
      providers: deps.providerNames,
      ...routerOptions(config),
      expectedCostUsd: Object.fromEntries(
        deps.providerNames.map((name) => [
          name,
          prices.costOf(deps.providerModels[name] ?? '', { inputTokens: typicalTokens.input, outputTokens: typicalTokens.output }, name),
        ]),
      ),
    },
    {
      budget,
      learning: deps.storage.learning,
      onError: (error) => deps.logger.warn({ err: error }, 'learning record not written'),
    },
  );
  const refresh = setInterval(() => void budget.refresh().catch(() => undefined), 5_000).unref();
  const steering = createRouteSteering(router);
  return {
    router: steering.router,
    steering,
    budget,
    prices,
    estimateTokens: estimateChatTokens,
    urgentFor: () => false,
    async close() {
      clearInterval(refresh);
    },
  };
}
