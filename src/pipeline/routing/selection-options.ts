/**
 * How the router chooses: the router's own options. The composition root maps the
 * `selection_strategy` section onto them (seconds → ms there), so a unit mix-up cannot compile
 * silently here.
 */

export const SELECTION_STRATEGIES = ['performance_optimized', 'cost_quality_balanced', 'round_robin', 'fixed_order'] as const;
export type SelectionStrategyType = (typeof SELECTION_STRATEGIES)[number];

/** Weights of the score strategies, summing to 1. */
export interface SelectionCriteria {
  latency: number;
  quality: number;
  cost: number;
  availability: number;
}

export interface SelectionOptions {
  type: SelectionStrategyType;
  criteria: SelectionCriteria;
  /** Span of the moving performance window, ms (the seed's `performance_window: 3600` is 3 600 000). */
  windowMs: number;
  /** Calls a provider × research type needs before its own statistics replace the provider's. */
  minSamples: number;
  /** Explore with Thompson draws (and try cost-optimised models) instead of always exploiting. */
  adaptiveSelection: boolean;
  /** Providers whose expected quality (0–1) is below this are ranked last. */
  qualityThreshold: number;
  /** Providers whose expected latency is above this (ms) are ranked last. */
  latencyThresholdMs: number;
  /** Provider names in order, for `fixed_order` and as the fallback order. */
  order?: readonly string[] | undefined;
}
