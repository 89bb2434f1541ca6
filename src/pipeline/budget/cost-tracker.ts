import type { Usage } from '../../core/chat.js';
import type { PriceResolver } from './price-resolver.js';

export interface CostEntry {
  provider: string;
  model: string;
  usage: Usage;
  /** API key name or CLI user. */
  user?: string | undefined;
  researchType?: string | undefined;
  /** Already-computed cost; computed from `usage` and the price table when absent. */
  costUsd?: number;
}

export interface CostTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Requests whose model has no price (counted at 0 USD). */
  unpricedRequests: number;
}

export interface CostSnapshot {
  /** Epoch ms the tracker started counting (creation or last `reset`). */
  since: number;
  total: CostTotals;
  byProvider: Record<string, CostTotals>;
  byModel: Record<string, CostTotals>;
  byUser: Record<string, CostTotals>;
  byResearchType: Record<string, CostTotals>;
}

export interface CostTracker {
  /** Adds one finished call (streamed or not) and returns its cost in USD. */
  record(entry: CostEntry): number;
  snapshot(): CostSnapshot;
  reset(): void;
}

export interface CostTrackerOptions {
  prices: PriceResolver;
  /** `cost_tracking.track_per_user` (default true). */
  trackPerUser?: boolean;
  /** `cost_tracking.track_per_query_type` (default true). */
  trackPerQueryType?: boolean;
  /** Distinct users kept apart; later ones are summed under `(other)` (default 10 000). */
  maxUsers?: number;
}

const OTHER = '(other)';
const UNKNOWN = '(none)';

const zero = (): CostTotals => ({ requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedRequests: 0 });

/**
 * Live cost counters per provider, model, user and research type, for dashboards and
 * `fortitude costs` on a running server. Durable rows go to `provider_requests` (written by the
 * request recorder); this keeps only sums.
 */
export function createCostTracker(options: CostTrackerOptions, deps: { now?: () => number } = {}): CostTracker {
  const now = deps.now ?? Date.now;
  const maxUsers = options.maxUsers ?? 10_000;
  let since = now();
  let total = zero();
  let byProvider = new Map<string, CostTotals>();
  let byModel = new Map<string, CostTotals>();
  let byUser = new Map<string, CostTotals>();
  let byType = new Map<string, CostTotals>();

  const accumulate = (totals: CostTotals, entry: CostEntry, cost: number, unpriced: boolean) => {
    totals.requests += 1;
    totals.inputTokens += entry.usage.inputTokens;
    totals.outputTokens += entry.usage.outputTokens;
    totals.costUsd += cost;
    if (unpriced) totals.unpricedRequests += 1;
  };
  const add = (map: Map<string, CostTotals>, key: string, entry: CostEntry, cost: number, unpriced: boolean) => {
    let totals = map.get(key);
    if (!totals) map.set(key, (totals = zero()));
    accumulate(totals, entry, cost, unpriced);
  };

  return {
    record(entry) {
      const priced = options.prices.priceOf(entry.model, entry.provider) !== undefined;
      const cost = entry.costUsd ?? options.prices.costOf(entry.model, entry.usage, entry.provider);
      const unpriced = entry.costUsd === undefined && !priced;
      accumulate(total, entry, cost, unpriced);
      add(byProvider, entry.provider, entry, cost, unpriced);
      add(byModel, entry.model, entry, cost, unpriced);
      if (options.trackPerUser ?? true) {
        const user = entry.user ?? UNKNOWN;
        add(byUser, byUser.has(user) || byUser.size < maxUsers ? user : OTHER, entry, cost, unpriced);
      }
      if (options.trackPerQueryType ?? true) add(byType, entry.researchType ?? UNKNOWN, entry, cost, unpriced);
      return cost;
    },
    snapshot() {
      const copy = (map: Map<string, CostTotals>) => Object.fromEntries([...map].map(([key, value]) => [key, { ...value }]));
      return { since, total: { ...total }, byProvider: copy(byProvider), byModel: copy(byModel), byUser: copy(byUser), byResearchType: copy(byType) };
    },
    reset() {
      since = now();
      total = zero();
      byProvider = new Map();
      byModel = new Map();
      byUser = new Map();
      byType = new Map();
    },
  };
}
