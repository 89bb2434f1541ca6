import type { RouteChange } from '../../pipeline/routing/router.js';
import type { MetricReading, TargetMetric } from './optimizer-window.js';

/** The seed's `OptimizationType`, one per area a change can touch. */
export type OptimizationType = 'cache_settings' | 'provider_selection' | 'resource_allocation' | 'database_queries';

export interface CacheSettingsChange {
  /** A `caching.strategies` entry whose TTL changes. */
  strategy?: string;
  ttlSeconds?: number;
  /** The L1 (memory) level's `max_size_mb`. */
  memoryMaxSizeMb?: number;
}

export interface ProviderSelectionChange {
  /** The provider traffic moves away from. */
  avoid: string;
  /** The provider it moves to. */
  prefer: string;
  /** What the router is told: `prefer_provider` per research type. */
  routeChanges: RouteChange[];
}

export interface ConcurrencyChange {
  /** `api` (in-flight requests) or a provider name (its `max_concurrent`). */
  scope: string;
  limit: number;
}

export interface DatabaseSuggestion {
  query: string;
  suggestion: string;
}

interface OptimizationBase {
  /** Stable identity of the change (`provider_selection:avoid:alpha`): cooldowns and "already in force" use it. */
  key: string;
  description: string;
  /** 0–1: how sure the rule is that the change will move `target` the right way. */
  confidence: number;
  /** Reversible and within configured bounds: only safe changes are ever applied automatically. */
  safe: boolean;
  /** What should happen, in words (for the report). */
  expectedEffect: string;
  target: TargetMetric;
  /** The figures the rule decided on. */
  evidence: Record<string, number | string | null>;
}

export type Optimization =
  | (OptimizationBase & { type: 'cache_settings'; change: CacheSettingsChange })
  | (OptimizationBase & { type: 'provider_selection'; change: ProviderSelectionChange })
  | (OptimizationBase & { type: 'resource_allocation'; change: ConcurrencyChange })
  | (OptimizationBase & { type: 'database_queries'; change: DatabaseSuggestion });

/** Reverts one applied change. */
export type Undo = () => void | Promise<void>;

/** The settings in force, as far as the optimizer may change them. */
export interface OptimizerSettings {
  cache?: {
    /** TTL per `caching.strategies` entry. */
    strategies?: Record<string, { ttlSeconds: number }>;
    memory?: { maxSizeMb: number; ttlSeconds: number };
  };
  /** Concurrency limit per scope (`api`, provider names). */
  concurrency?: Record<string, number>;
}

/**
 * Where changes are applied. Each method returns an undo; a missing method means that kind of
 * change cannot be applied here (its proposals are recorded as skipped: `no_actuator`).
 */
export interface OptimizerActions {
  /** The current settings (TTLs, sizes, limits) the rules start from. */
  current?(): OptimizerSettings;
  applyRouteChanges?(changes: readonly RouteChange[]): Undo | Promise<Undo>;
  setCacheSettings?(change: CacheSettingsChange): Undo | Promise<Undo>;
  setConcurrency?(change: ConcurrencyChange): Undo | Promise<Undo>;
}

export type DecisionOutcome = 'proposed' | 'applied' | 'skipped' | 'kept' | 'rolled_back' | 'released' | 'failed';

export type DecisionReason =
  | 'suggest_only'
  | 'not_safe'
  | 'low_confidence'
  | 'auto_apply_off'
  | 'area_busy'
  | 'cooling_down'
  | 'no_actuator'
  | 'improved'
  | 'unchanged'
  | 'worse'
  | 'inconclusive'
  | 'expired'
  | 'apply_failed'
  | 'undo_failed';

/** One thing the optimizer decided, as kept in `history()` and stored in `learning_data`. */
export interface OptimizationDecision {
  /** ms since the epoch. */
  at: number;
  outcome: DecisionOutcome;
  reason?: DecisionReason;
  optimization: Optimization;
  /** The target metric when the change was proposed / applied. */
  before?: MetricReading;
  /** The target metric in the window the change was judged on. */
  after?: MetricReading;
  /** Error text for `failed`. */
  error?: string;
}
