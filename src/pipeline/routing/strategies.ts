/**
 * Routing strategies as pure functions: candidates' statistics in, an ordered list of providers
 * and the reasons out. The router gathers the statistics; these only decide.
 */
import type { Random } from '../../core/seeded-random.js';
import { sampleBeta, sampleNormal } from './random.js';
import type { CandidateMetrics, Criteria, ScoredCandidate } from './scoring.js';
import { costQualityScores, rankByScore, scoreCandidates } from './scoring.js';

/** What the router knows about one provider for one research type. */
export interface ProviderView {
  provider: string;
  /** Calls in the performance window. */
  samples: number;
  successes: number;
  /** Window mean, or the router's prior for a provider without calls. */
  latencyMs: number;
  latencySdMs: number;
  /** Window mean USD per call, or the price-based prior. */
  costUsd: number;
  /** Quality posterior (Beta) for this research type. */
  quality: { mean: number; alpha: number; beta: number; samples: number };
}

export type ReasonCode =
  | 'ranked'
  | 'exploring'
  | 'preferred'
  | 'optimization_applied'
  | 'simple_query'
  | 'below_quality_threshold'
  | 'above_latency_threshold'
  | 'filters_relaxed'
  | 'budget_paused'
  | 'round_robin'
  | 'fixed_order';

export interface RouteReason {
  provider: string;
  code: ReasonCode;
  /** Expected (posterior-mean) score, for score-based strategies. */
  score?: number;
  detail?: string;
}

export interface RouteDecision {
  order: string[];
  /** Expected score per provider (posterior means), for score-based strategies. */
  scores: Record<string, number>;
  reasons: RouteReason[];
  /** Providers placed first by a Thompson draw although their expected score is not the best. */
  explored: string[];
}

export interface ThresholdOptions {
  /** `quality_threshold`, 0–1. */
  qualityThreshold: number;
  /** `latency_threshold` in ms (0: none). */
  latencyThresholdMs: number;
  /** Thresholds judge only providers with at least this many calls / quality scores. */
  minSamples: number;
}

export interface PerformanceOptions extends ThresholdOptions {
  criteria: Criteria;
  /** `adaptive_selection`: rank by a Thompson draw from each posterior instead of the means. */
  adaptive: boolean;
  random: Random;
}

/** Availability prior Beta(1.8, 0.2): mean 0.9 worth two calls. */
const AVAILABILITY_PRIOR = { alpha: 1.8, beta: 0.2 };

export function availabilityMean(view: ProviderView): number {
  return (view.successes + AVAILABILITY_PRIOR.alpha) / (view.samples + AVAILABILITY_PRIOR.alpha + AVAILABILITY_PRIOR.beta);
}

export function meanMetrics(view: ProviderView): CandidateMetrics {
  return { provider: view.provider, latencyMs: view.latencyMs, quality: view.quality.mean, costUsd: view.costUsd, availability: availabilityMean(view) };
}

/**
 * One Thompson draw: availability and quality from their Beta posteriors, mean latency from a
 * normal around the window mean with the standard error of that mean (wide with few calls).
 */
export function sampledMetrics(view: ProviderView, random: Random): CandidateMetrics {
  const n = Math.max(1, view.samples);
  const spread = view.samples >= 2 ? Math.max(view.latencySdMs, 0.05 * view.latencyMs) : view.latencyMs;
  return {
    provider: view.provider,
    latencyMs: Math.max(1, view.latencyMs + sampleNormal(random) * (spread / Math.sqrt(n))),
    quality: sampleBeta(view.quality.alpha, view.quality.beta, random),
    costUsd: view.costUsd,
    availability: sampleBeta(view.successes + AVAILABILITY_PRIOR.alpha, view.samples - view.successes + AVAILABILITY_PRIOR.beta, random),
  };
}

/**
 * Why a provider fails a threshold, or undefined. Judged only with enough evidence, and on the
 * metrics the ranking used: with `adaptive_selection` those are the Thompson draw, so a provider
 * near a threshold still passes now and then and its estimate can recover (judging on the mean
 * would bar it for good: a barred provider gets no calls, hence no new evidence).
 */
function thresholdMiss(view: ProviderView, metrics: CandidateMetrics, options: ThresholdOptions): RouteReason | undefined {
  if (view.quality.samples >= options.minSamples && metrics.quality < options.qualityThreshold) {
    return { provider: view.provider, code: 'below_quality_threshold', detail: `quality ${view.quality.mean.toFixed(3)} (judged ${metrics.quality.toFixed(3)}) < ${options.qualityThreshold}` };
  }
  if (options.latencyThresholdMs > 0 && view.samples >= options.minSamples && metrics.latencyMs > options.latencyThresholdMs) {
    return { provider: view.provider, code: 'above_latency_threshold', detail: `latency ${Math.round(view.latencyMs)} ms (judged ${Math.round(metrics.latencyMs)} ms) > ${options.latencyThresholdMs} ms` };
  }
  return undefined;
}

/**
 * Orders by score, then moves providers that fail a threshold behind those that pass (they stay
 * as last-resort fallbacks). When every provider fails, the order is the plain best-effort one.
 */
function decide(views: readonly ProviderView[], ranked: readonly ScoredCandidate[], expected: readonly ScoredCandidate[], options: ThresholdOptions, adaptive: boolean): RouteDecision {
  const scores: Record<string, number> = {};
  for (const entry of expected) scores[entry.provider] = entry.score;
  const byName = new Map(views.map((view) => [view.provider, view]));
  const passing: string[] = [];
  const failing: string[] = [];
  const reasons: RouteReason[] = [];
  const misses: RouteReason[] = [];
  for (const entry of ranked) {
    const miss = thresholdMiss(byName.get(entry.provider)!, entry, options);
    if (miss) {
      failing.push(entry.provider);
      misses.push({ ...miss, score: scores[entry.provider]! });
    } else passing.push(entry.provider);
  }
  const bestExpected = rankByScore(expected)[0]?.provider;
  const explored: string[] = [];
  const order = [...passing, ...failing];
  for (const provider of passing) {
    const isExplore = adaptive && provider === passing[0] && provider !== bestExpected;
    if (isExplore) explored.push(provider);
    reasons.push({ provider, code: isExplore ? 'exploring' : 'ranked', score: scores[provider]! });
  }
  if (passing.length === 0 && failing.length > 0) reasons.push({ provider: failing[0]!, code: 'filters_relaxed', detail: 'every provider misses a threshold' });
  reasons.push(...misses);
  return { order, scores, reasons, explored };
}

/** `performance_optimized`: the weighted score of latency, quality, cost and availability. */
export function performanceOptimized(views: readonly ProviderView[], options: PerformanceOptions): RouteDecision {
  const expected = scoreCandidates(views.map(meanMetrics), options.criteria);
  const ranked = options.adaptive ? rankByScore(scoreCandidates(views.map((view) => sampledMetrics(view, options.random)), options.criteria)) : rankByScore(expected);
  return decide(views, ranked, expected, options, options.adaptive);
}

export interface CostQualityOptions extends ThresholdOptions {
  costWeight: number;
  qualityWeight: number;
  adaptive: boolean;
  random: Random;
}

/** `cost_quality_balanced` (the seed's `cost_management.routing`): quality·w + cost·w. */
export function costQualityBalanced(views: readonly ProviderView[], options: CostQualityOptions): RouteDecision {
  const weights = { costWeight: options.costWeight, qualityWeight: options.qualityWeight };
  const expected = costQualityScores(views.map(meanMetrics), weights);
  const ranked = options.adaptive ? rankByScore(costQualityScores(views.map((view) => sampledMetrics(view, options.random)), weights)) : rankByScore(expected);
  return decide(views, ranked, expected, options, options.adaptive);
}

/** `round_robin`: the configured list rotated by one per request. */
export function roundRobin(providers: readonly string[], turn: number): RouteDecision {
  if (providers.length === 0) return { order: [], scores: {}, reasons: [], explored: [] };
  const start = ((turn % providers.length) + providers.length) % providers.length;
  const order = [...providers.slice(start), ...providers.slice(0, start)];
  return { order, scores: {}, reasons: [{ provider: order[0]!, code: 'round_robin', detail: `turn ${turn}` }], explored: [] };
}

/** `fixed_order`: `order` first (those configured), then any remaining provider in config order. */
export function fixedOrder(providers: readonly string[], order: readonly string[] | undefined): RouteDecision {
  const available = new Set(providers);
  const first = (order ?? []).filter((provider) => available.has(provider));
  const result = [...new Set([...first, ...providers])];
  return { order: result, scores: {}, reasons: result.length > 0 ? [{ provider: result[0]!, code: 'fixed_order' }] : [], explored: [] };
}
