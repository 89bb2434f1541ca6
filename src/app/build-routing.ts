import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ChatRequest } from '../core/chat.js';
import type { ResearchType } from '../core/research.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import type { LearningInput } from '../infrastructure/storage/repositories/learning.js';
import { createBudgetGuard, type BudgetGuard } from '../pipeline/budget/budget-guard.js';
import type { BudgetStore } from '../infrastructure/budget/budget-store.js';
import { MemoryBudgetStore } from '../pipeline/budget/memory-budget-store.js';
import { createPriceResolver, type PriceResolver } from '../pipeline/budget/price-resolver.js';
import { RedisBudgetStore } from '../infrastructure/redis/redis-budget-store.js';
import { RedisRateLimitStore } from '../infrastructure/redis/redis-rate-limit-store.js';
import { FallbackBudgetStore } from '../infrastructure/redis/fallback-budget-store.js';
import { FallbackRateLimitStore } from '../infrastructure/redis/fallback-rate-limit-store.js';
import { openRedisConnection, type RedisConnection } from '../infrastructure/redis/redis-connection.js';
import { LeasedRateLimitStore } from '../providers/rate-limit/leased-rate-limit-store.js';
import { MemoryRateLimitStore } from '../providers/rate-limit/memory-rate-limit-store.js';
import { createRouter, type Router } from '../pipeline/routing/router.js';
import { createRouteSteering, type RouteSteering } from '../operations/optimizer/route-steering.js';
import type { RateLimitStore } from '../providers/rate-limit/rate-limit-store.js';
import { estimateChatTokens } from '../providers/rate-limit/token-estimator.js';
import type { BreakerStore } from '../providers/circuit-breaker/breaker-store.js';
import { RedisBreakerStore } from '../infrastructure/redis/redis-breaker-store.js';
import { RedisRoutingJournal } from '../infrastructure/redis/redis-routing-journal.js';
import { budgetGuardOptions, rateLimitLeaseOptions, routerOptions, routingJournalOptions } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';
import { join, resolve } from 'node:path';
import { openMachineState } from '../infrastructure/machine-state/machine-state-db.js';
import { SqliteBudgetStore } from '../infrastructure/machine-state/sqlite-budget-store.js';
import { SqliteRateLimitStore } from '../infrastructure/machine-state/sqlite-rate-limit-store.js';
import { SqliteRoutingJournal } from '../infrastructure/machine-state/routing-journal.js';
import { TransactionBatcher } from '../infrastructure/machine-state/transaction-batcher.js';
import type { LearnedStateExchange } from '../infrastructure/routing/learned-state.js';

/**
 * State shared by every replica when `REDIS_URL` is set: budgets, provider rate limits and
 * circuit breakers (the cache's L2 level and the semantic cache's entries use `redis` and
 * `keyPrefix` too). One connection per process; each store falls back to in-process state while
 * it is down (docs/operations.md, "Redis outage"). Without Redis, budgets, rate limits and
 * learned routing are shared by every process of this machine (workers, restarts, CLI calls)
 * through `<data_dir>/shared-state.db`. With Redis, learned routing is shared (and kept) there too.
 */
export interface SharedState {
  readonly redis: RedisConnection | undefined;
  /** `redis.key_prefix` without its trailing colon. */
  readonly keyPrefix: string;
  readonly rateLimitStore: RateLimitStore | undefined;
  readonly budgetStore: BudgetStore;
  readonly breakerStore: BreakerStore | undefined;
  /** Learned routing shared by the processes (the machine's without Redis, every replica's with it) and kept across restarts. */
  readonly learnedState?: LearnedStateExchange;
  close(): Promise<void>;
}

/**
 * `processes`: serving processes on this machine (the worker count). During a Redis outage each
 * takes that share of the budget headroom Redis last reported, so the machine's local ledgers
 * together cannot pass it. `learningLogger`: the learning system's lines (`logging.levels.learning`).
 */
export async function buildSharedState(config: FortitudeConfig, logger: Logger, options: { processes?: number; learningLogger?: Logger } = {}): Promise<SharedState> {
  const learningLogger = options.learningLogger ?? logger;
  const prefix = config.redis.key_prefix.replace(/:$/, '');
  if (!config.redis.url) {
    const database = openMachineState({ path: join(resolve(config.data_dir), 'shared-state.db') });
    const batcher = new TransactionBatcher(database);
    const learnedState = new SqliteRoutingJournal(database, routingJournalOptions(config), {
      onError: (error) => learningLogger.warn({ err: error }, 'learned routing not shared yet; retrying'),
    });
    // One batcher: a turn's budget and rate-limit steps share one transaction.
    const rateLimitStore = leased(new SqliteRateLimitStore(database, { batcher }), config, options.processes);
    return {
      redis: undefined,
      keyPrefix: prefix,
      rateLimitStore,
      budgetStore: new SqliteBudgetStore(database, { batcher }),
      breakerStore: undefined,
      learnedState,
      async close() {
        await learnedState.close();
        // Gives leased rate-limit credit back to the file before it closes.
        await rateLimitStore.close();
        database.close();
      },
    };
  }
  const redis = await openRedisConnection({ url: config.redis.url, clusterMode: config.caching.levels.redis.cluster_mode }, { logger });
  const rateLimitStore = leased(new FallbackRateLimitStore(new RedisRateLimitStore(redis.client, { keyPrefix: `{${prefix}:ratelimit}` }), new MemoryRateLimitStore(), redis), config, options.processes);
  const budgetStore = new FallbackBudgetStore(new RedisBudgetStore(redis.client, { hashTag: `${prefix}:budget` }), () => new MemoryBudgetStore(), redis, {
    headroomShare: 1 / Math.max(1, options.processes ?? 1),
  });
  // Learned routing for every process of every replica, kept across restarts (Redis streams).
  const learnedState = new RedisRoutingJournal(redis.client, { keyPrefix: prefix, ...routingJournalOptions(config) }, {
    onError: (error) => learningLogger.warn({ err: error }, 'learned routing not shared yet (Redis); retrying'),
    available: () => redis.available,
  });
  return {
    redis,
    keyPrefix: prefix,
    rateLimitStore,
    budgetStore,
    breakerStore: new RedisBreakerStore(redis.client, { keyPrefix: prefix, redis }),
    learnedState,
    async close() {
      await learnedState.close().catch(() => undefined);
      await budgetStore.close();
      await rateLimitStore.close();
      await redis.close();
    },
  };
}

/** The shared rate-limit store behind the lease layer (`rate_limit.lease`), unless no provider leases. */
function leased(store: RateLimitStore, config: FortitudeConfig, processes: number | undefined): RateLimitStore {
  const options = rateLimitLeaseOptions(config, processes ?? 1);
  return options === undefined ? store : new LeasedRateLimitStore(store, options);
}

/**
 * Who holds a process's budget reservations: host and pid (pids repeat across pods sharing one
 * Redis; host names do not). A dead worker's reservations are released under this name.
 */
export function reservationOwner(pid: number): string {
  return `${hostname()}:${pid}`;
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
  deps: {
    providerNames: string[];
    providerModels: Record<string, string>;
    storage: Storage;
    budgetStore: BudgetStore;
    learnedState?: LearnedStateExchange | undefined;
    logger: Logger;
    /** `logging.levels.learning`: the learning system's own lines (default `logger`). */
    learningLogger?: Logger;
    /** Whether this process may lease budget headroom (`serve`), if the config allows it. */
    leaseBudget?: boolean;
    /** The router's adaptations through a buffering writer (the application's), instead of one insert each. */
    recordLearning?: (input: LearningInput) => void;
  },
): Routing {
  const prices = buildPrices(config, deps.logger);
  const providerPrices = Object.fromEntries(deps.providerNames.map((name) => [name, prices.priceOf(deps.providerModels[name] ?? '', name)]));
  const guardOptions = budgetGuardOptions(config.cost_management);
  const budget = createBudgetGuard(
    {
      ...guardOptions,
      lease: { ...guardOptions.lease, enabled: (guardOptions.lease?.enabled ?? false) && (deps.leaseBudget ?? false) },
      providerPrices,
      reservationOwner: reservationOwner(process.pid),
    },
    {
      store: deps.budgetStore,
      onAlert: (alert) =>
        deps.logger.warn({ budget: alert }, `budget ${alert.period} at ${Math.round(alert.utilisation * 100)}%: action ${alert.action}`),
    },
  );
  const router = buildRouter(config, { ...deps, prices, budget });
  // Read the period's totals now, not in 5 s: a restarted server or a CLI call starts from the
  // day's spend (the dashboard and the budget actions see it at once).
  void budget.refresh().catch(() => undefined);
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
      // The leased block's spend to the ledger and the block released, before the shared state closes.
      await budget.close();
    },
  };
}

/**
 * The price resolver over the configured tables and the built-in ones; a model no table prices is
 * logged once per provider and model, with the fix.
 */
export function buildPrices(config: FortitudeConfig, logger: Logger): PriceResolver {
  return createPriceResolver({
    global: config.cost_management.pricing,
    perProvider: Object.fromEntries(Object.values(config.providers).map((provider) => [provider.name, provider.pricing])),
    providerKinds: Object.fromEntries(Object.values(config.providers).map((provider) => [provider.name, provider.kind])),
    onUnlistedModel: ({ provider, model, kind, chargedAt }) =>
      logger.warn(
        { provider, model, kind, chargedAt },
        `model ${model} of provider ${provider} has no listed price: budgets charge it the highest ${kind} prices (${chargedAt.input_per_million}/${chargedAt.output_per_million} USD per million input/output tokens); set providers.${provider}.pricing to its real price`,
      ),
  });
}

/** The enabled providers' names in config order and the model each runs: what `buildProviders` builds, without building it. */
export function configuredProviders(config: FortitudeConfig): { providerNames: string[]; providerModels: Record<string, string> } {
  const enabled = Object.values(config.providers).filter((provider) => provider.enabled);
  return { providerNames: enabled.map((provider) => provider.name), providerModels: Object.fromEntries(enabled.map((provider) => [provider.name, provider.model])) };
}

/**
 * The learning router over the providers' names and expected costs, the learning records and the
 * shared learned state. `budget` (the paused providers) matters only to `plan`: a process that
 * only reads or feeds what routing learned (`learning status`, `feedback`) leaves it out.
 */
export function buildRouter(
  config: FortitudeConfig,
  deps: {
    providerNames: string[];
    providerModels: Record<string, string>;
    prices: PriceResolver;
    budget?: BudgetGuard;
    storage: Pick<Storage, 'learning'>;
    learnedState?: LearnedStateExchange | undefined;
    logger: Logger;
    learningLogger?: Logger;
    recordLearning?: (input: LearningInput) => void;
  },
): Router {
  const typicalTokens = { input: 600, output: 800 };
  return createRouter(
    {
      providers: deps.providerNames,
      ...routerOptions(config),
      expectedCostUsd: Object.fromEntries(
        deps.providerNames.map((name) => [
          name,
          deps.prices.costOf(deps.providerModels[name] ?? '', { inputTokens: typicalTokens.input, outputTokens: typicalTokens.output }, name),
        ]),
      ),
    },
    {
      ...(deps.budget ? { budget: deps.budget } : {}),
      learning: deps.storage.learning,
      ...(deps.recordLearning ? { recordLearning: deps.recordLearning } : {}),
      ...(deps.learnedState ? { learnedState: deps.learnedState } : {}),
      onError: (error) => (deps.learningLogger ?? deps.logger).warn({ err: error }, 'learning record not written'),
    },
  );
}
