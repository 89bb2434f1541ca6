import type { ResearchType } from '../../core/research.js';
import type { LearningInput } from '../../infrastructure/storage/repositories/learning.js';
import type { Adaptation, LearningSink } from './adaptations.js';
import { createAdaptationLog } from './adaptations.js';
import type { LearnedObservation, LearnedStateExchange } from '../../infrastructure/routing/learned-state.js';
import type { ModelChoice, ModelSelectionOptions } from './model-selection.js';
import { chooseModel } from './model-selection.js';
import { createPerformanceWindow } from './performance-window.js';
import type { QualitySource } from '../../core/research.js';
import type { QualityEstimatesOptions } from './quality-estimates.js';
import { createQualityEstimates, ratingToScore } from './quality-estimates.js';
import type { Random } from '../../core/seeded-random.js';
import type { SelectionOptions, SelectionStrategyType } from './selection-options.js';
import type { ProviderView, RouteDecision, RouteReason } from './strategies.js';
import { availabilityMean, costQualityBalanced, fixedOrder, performanceOptimized, roundRobin } from './strategies.js';

export interface RouterOptions {
  /** Enabled providers by configured name, in config order. */
  providers: readonly string[];
  /** How to choose (the `selection_strategy` section, in the router's units). */
  selection: SelectionOptions;
  /** Overrides `selection.type`. */
  strategy?: SelectionStrategyType;
  /** Weights for `cost_quality_balanced`, summing to 1 (default 0.3 / 0.7). */
  costQuality?: { costWeight: number; qualityWeight: number };
  /** Model selection per provider (cheaper model while its quality holds). */
  models?: Readonly<Record<string, ModelSelectionOptions | undefined>>;
  /**
   * Providers to put first for a simple query (`usage_optimization.prefer_for_simple_queries`), in
   * config order; the first one the budget has not paused leads.
   */
  simpleQueryProviders?: readonly string[];
  /** Expected USD per call per provider before any call is seen (price × typical tokens). */
  expectedCostUsd?: Readonly<Record<string, number>>;
  quality?: QualityEstimatesOptions;
  /** Change detection of the performance window (see `createPerformanceWindow`). */
  changeDetection?: { recentSamples?: number; changeZ?: number };
  /** Score gap the new best provider must have over the old one before a rank change is recorded (default 0.02). */
  rankChangeMargin?: number;
  /** Least time between two rank-change checks of one research type (default 1 s; a detected change checks at once). */
  rankCheckIntervalMs?: number;
}

export interface RouterDeps {
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
  /** Uniform [0, 1) for Thompson draws; default `Math.random` (tests and benches seed it). */
  random?: Random;
  /** Budget state: providers paused by the `pause_expensive_providers` action are skipped. */
  budget?: { pausedProviders(): ReadonlySet<string> };
  /** Where adaptations are recorded (`storage.learning`) and read back (`learningStatus`'s history). */
  learning?: LearningSink;
  /**
   * Records an adaptation through a buffering writer instead of one `learning.insert` each (`serve`:
   * under load the change detector fires for ~2 % of calls, and a commit per row cost ~360 µs).
   */
  recordLearning?: (input: LearningInput) => void;
  /**
   * Shares what this router observes with the other processes of the machine and restores it on
   * start (`learned-state.ts`); without it, learning is per process and lost on exit.
   */
  learnedState?: LearnedStateExchange;
  onError?: (error: unknown) => void;
}

export interface RoutePlan {
  strategy: SelectionStrategyType;
  researchType: string;
  /** Candidate providers, best first; the first is called, the rest are fallbacks. */
  order: string[];
  /** Model to call per provider when model selection chose one (else the provider default). */
  models: Record<string, string>;
  /** Why each provider is where it is (recorded on the request). */
  reasons: RouteReason[];
  /** Expected score per provider, for score-based strategies. */
  scores: Record<string, number>;
  explored: string[];
  modelChoices: Record<string, ModelChoice>;
}

export interface CallOutcome {
  provider: string;
  model?: string | undefined;
  researchType: string;
  latencyMs: number;
  ok: boolean;
  /** Evaluator score 0–1, when the answer was assessed. */
  quality?: number | undefined;
  costUsd: number;
}

/** A change from `applyOptimizations`, applied to live routing. */
export type RouteChange =
  | { kind: 'prefer_provider'; researchType: string; provider: string; instead?: string }
  | { kind: 'use_model'; provider: string; researchType?: string; model: string };

export interface ProviderEstimate {
  provider: string;
  researchType: string;
  samples: number;
  availability: number;
  latencyMs: number;
  costUsd: number;
  quality: number;
  qualitySamples: number;
  /** Expected score under the active strategy's weights (score strategies only). */
  score?: number;
  rank?: number;
}

export interface LearningStatus {
  strategy: SelectionStrategyType;
  estimates: ProviderEstimate[];
  models: { provider: string; researchType: string; model: string; quality: number; samples: number }[];
  adaptations: Adaptation[];
  /** Persisted adaptations (newest first) when a learning repository is attached. */
  history?: { learningType: string; subject: string; confidence: number; createdAt: number; after: unknown }[];
}

export interface Router {
  /** `simple`: the query is simple (short, one question), so a provider preferred for simple queries leads. */
  /**
   * `orderOnly`: the caller reads only `order` and `models` (a provider call): with one candidate
   * there is nothing to rank, so no estimates are drawn and `scores`, `reasons` and `explored`
   * stay empty (the order is the same).
   */
  plan(input: { researchType: ResearchType | string; preferred?: string | undefined; simple?: boolean | undefined; orderOnly?: boolean | undefined }): RoutePlan;
  /** Feeds one finished call (every try, fallbacks included) into the window and, with `quality`, the estimates. */
  record(outcome: CallOutcome): void;
  recordQuality(input: { provider: string; researchType: string; model?: string | undefined; score: number; source?: QualitySource }): void;
  /** A user rating 1–5 of an answer. */
  recordFeedback(input: { provider: string; researchType: string; model?: string | undefined; rating: number }): void;
  applyChanges(changes: readonly RouteChange[]): void;
  learningStatus(options?: { historyLimit?: number }): Promise<LearningStatus>;
}

const SEP = '\u0000';
const NONE_PAUSED: ReadonlySet<string> = new Set();
const DEFAULT_LATENCY_PRIOR_MS = 1_000;

export function createRouter(options: RouterOptions, deps: RouterDeps = {}): Router {
  const selection = options.selection;
  const strategy = options.strategy ?? selection.type;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const minSamples = selection.minSamples;
  const window = createPerformanceWindow({ windowMs: selection.windowMs, ...options.changeDetection }, { now });
  const quality = createQualityEstimates(options.quality);
  const log = createAdaptationLog({}, { learning: deps.learning, record: deps.recordLearning, onError: deps.onError });
  const rankMargin = options.rankChangeMargin ?? 0.02;
  const costQuality = options.costQuality ?? { costWeight: 0.3, qualityWeight: 0.7 };
  const thresholds = { qualityThreshold: selection.qualityThreshold, latencyThresholdMs: selection.latencyThresholdMs, minSamples };
  const leaders = new Map<string, { provider: string; score: number }>();
  const rankCheckIntervalMs = options.rankCheckIntervalMs ?? 1_000;
  const lastRankCheck = new Map<string, number>();
  const modelChoices = new Map<string, string | undefined>();
  const preferences = new Map<string, string>();
  const pinnedModels = new Map<string, string>();
  let turn = 0;

  const median = (values: number[]): number | undefined => {
    if (values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };

  const views = (providers: readonly string[], researchType: string): ProviderView[] => {
    const stats = providers.map((provider) => {
      const typed = window.stats(`t:${provider}${SEP}${researchType}`);
      return typed.samples >= minSamples ? typed : window.stats(`p:${provider}`);
    });
    const latencyPrior = median(stats.filter((entry) => entry.samples > 0).map((entry) => entry.latencyMeanMs)) ?? (selection.latencyThresholdMs > 0 ? selection.latencyThresholdMs / 2 : DEFAULT_LATENCY_PRIOR_MS);
    const knownCosts = providers.map((provider, index) => (stats[index]!.successes > 0 ? stats[index]!.costMeanUsd : options.expectedCostUsd?.[provider]));
    const costPrior = median(knownCosts.filter((cost): cost is number => cost !== undefined)) ?? 0;
    return providers.map((provider, index) => {
      const entry = stats[index]!;
      return {
        provider,
        samples: entry.samples,
        successes: entry.successes,
        latencyMs: entry.samples > 0 ? entry.latencyMeanMs : latencyPrior,
        latencySdMs: entry.latencySdMs,
        costUsd: knownCosts[index] ?? costPrior,
        quality: quality.estimate(provider, researchType),
      };
    });
  };

  const decide = (candidates: readonly string[], researchType: string, adaptive: boolean): RouteDecision => {
    switch (strategy) {
      case 'round_robin':
        return roundRobin(candidates, turn++);
      case 'fixed_order':
        return fixedOrder(candidates, selection.order);
      case 'cost_quality_balanced':
        return costQualityBalanced(views(candidates, researchType), { ...thresholds, ...costQuality, adaptive, random });
      case 'performance_optimized':
        return performanceOptimized(views(candidates, researchType), { ...thresholds, criteria: selection.criteria, adaptive, random });
    }
  };

  /** Records a rank change when the expected-best provider for a type changes by a clear margin. */
  const checkLeader = (researchType: string, force = false) => {
    if (strategy === 'round_robin' || strategy === 'fixed_order') return;
    // Ranking every provider on every call is wasted work at hundreds of calls a second.
    const at = now();
    if (!force && at - (lastRankCheck.get(researchType) ?? Number.NEGATIVE_INFINITY) < rankCheckIntervalMs) return;
    lastRankCheck.set(researchType, at);
    const decision = decide(options.providers, researchType, false);
    const top = decision.order[0];
    if (top === undefined) return;
    const score = decision.scores[top] ?? 0;
    const previous = leaders.get(researchType);
    if (!previous) {
      leaders.set(researchType, { provider: top, score });
      return;
    }
    if (previous.provider === top) {
      previous.score = score;
      return;
    }
    const previousScore = decision.scores[previous.provider] ?? 0;
    // Hysteresis: a near-tie does not flip the leader back and forth, unless the old leader now
    // misses a threshold (then the change is real whatever the scores say).
    const previousDemoted = decision.reasons.some(
      (reason) => reason.provider === previous.provider && (reason.code === 'below_quality_threshold' || reason.code === 'above_latency_threshold'),
    );
    if (score - previousScore < rankMargin && !previousDemoted) return;
    const evidence = Math.min(...[top, previous.provider].map((provider) => window.stats(`p:${provider}`).samples));
    log.add({
      learningType: 'routing_rank',
      subject: researchType,
      before: { provider: previous.provider, score: previousScore },
      after: { provider: top, score, order: decision.order },
      confidence: evidence / (evidence + Math.max(1, minSamples)),
      at: now(),
    });
    leaders.set(researchType, { provider: top, score });
  };

  const chooseModels = (order: readonly string[], researchType: string): { models: Record<string, string>; choices: Record<string, ModelChoice> } => {
    const models: Record<string, string> = {};
    const choices: Record<string, ModelChoice> = {};
    for (const provider of order) {
      const pinned = pinnedModels.size === 0 ? undefined : (pinnedModels.get(`${provider}${SEP}${researchType}`) ?? pinnedModels.get(provider));
      if (pinned !== undefined) {
        models[provider] = pinned;
        continue;
      }
      const modelSelection = options.models?.[provider];
      if (!modelSelection) continue;
      const cheap = modelSelection.costOptimizedModel;
      const evidence = cheap === undefined ? undefined : quality.estimate(provider, researchType, cheap);
      const choice = chooseModel(modelSelection, evidence, { minSamples, explore: selection.adaptiveSelection, random });
      choices[provider] = choice;
      if (choice.model !== undefined) models[provider] = choice.model;
      if (choice.reason === 'exploring_cost_optimized') continue;
      const key = `${provider}${SEP}${researchType}`;
      const previous = modelChoices.get(key);
      if (modelChoices.has(key) && previous !== choice.model) {
        log.add({
          learningType: 'model_selection',
          subject: `${provider}:${researchType}`,
          before: { model: previous },
          after: { model: choice.model, reason: choice.reason, quality: choice.quality },
          confidence: (choice.samples ?? 0) / ((choice.samples ?? 0) + Math.max(1, minSamples)),
          at: now(),
        });
      }
      modelChoices.set(key, choice.model);
    }
    return { models, choices };
  };

  /** Each provider and research type's two series names, built once (not two strings and an array per call). */
  const seriesNames = new Map<string, Map<string, readonly [string, string]>>();
  const seriesOf = (provider: string, researchType: string): readonly [string, string] => {
    let byType = seriesNames.get(provider);
    if (byType === undefined) seriesNames.set(provider, (byType = new Map()));
    let names = byType.get(researchType);
    if (names === undefined) byType.set(researchType, (names = [`p:${provider}`, `t:${provider}${SEP}${researchType}`]));
    return names;
  };
  const observeCall = (observation: Extract<LearnedObservation, { kind: 'call' }>): boolean => {
    let changed = false;
    for (const series of seriesOf(observation.provider, observation.researchType)) {
      if (window.record(series, observation).changed) {
        changed = true;
        if (!absorbing) {
          log.add({
            learningType: 'performance_change',
            subject: series.startsWith('p:') ? observation.provider : `${observation.provider}:${observation.researchType}`,
            before: null,
            after: { ...window.stats(series), restartedAt: observation.at },
            confidence: 0.99,
            at: observation.at,
          });
        }
      }
    }
    return changed;
  };
  const observeQuality = (observation: Extract<LearnedObservation, { kind: 'quality' }>): void => {
    quality.observe(observation);
    if (!absorbing) deps.learnedState?.publish(observation);
  };
  // Another process's observations (and, first, the stored ones) update the estimates without
  // being logged as this process's adaptations or published back.
  let absorbing = false;
  deps.learnedState?.subscribe((observation) => {
    absorbing = true;
    try {
      if (observation.kind === 'call') observeCall(observation);
      else observeQuality(observation);
    } finally {
      absorbing = false;
    }
  });

  return {
    plan({ researchType, preferred, simple, orderOnly }) {
      const paused = deps.budget?.pausedProviders() ?? NONE_PAUSED;
      const candidates = paused.size === 0 ? options.providers : options.providers.filter((provider) => !paused.has(provider));
      // One candidate (or none) is its own order whatever the strategy (a round robin still turns).
      const decision =
        orderOnly === true && candidates.length <= 1 && strategy !== 'round_robin'
          ? { order: [...candidates], scores: {}, reasons: [], explored: [] }
          : decide(candidates, researchType, selection.adaptiveSelection);
      const reasons: RouteReason[] = [...decision.reasons];
      if (paused.size > 0) for (const provider of options.providers) if (paused.has(provider)) reasons.push({ provider, code: 'budget_paused' });
      let order = decision.order;
      // Each of these moves its provider first (a candidate only) and says why.
      const preference = preferences.get(researchType);
      if (preference !== undefined && candidates.includes(preference)) {
        order = leadWith(order, preference);
        reasons.unshift({ provider: preference, code: 'optimization_applied', detail: `cheaper with quality kept for ${researchType}` });
      }
      const forSimple = simple ? options.simpleQueryProviders?.find((provider) => candidates.includes(provider)) : undefined;
      if (forSimple !== undefined) {
        order = leadWith(order, forSimple);
        reasons.unshift({ provider: forSimple, code: 'simple_query', detail: 'usage_optimization.prefer_for_simple_queries' });
      }
      if (preferred !== undefined && candidates.includes(preferred)) {
        order = leadWith(order, preferred);
        reasons.unshift({ provider: preferred, code: 'preferred' });
      }
      const { models, choices } = chooseModels(order, researchType);
      return { strategy, researchType, order, models, reasons, scores: decision.scores, explored: decision.explored, modelChoices: choices };
    },

    record(outcome) {
      const call = { kind: 'call', provider: outcome.provider, researchType: outcome.researchType, at: now(), ok: outcome.ok, latencyMs: outcome.latencyMs, costUsd: outcome.costUsd } as const;
      const changed = observeCall(call);
      deps.learnedState?.publish(call);
      if (outcome.quality !== undefined) {
        observeQuality({ kind: 'quality', provider: outcome.provider, researchType: outcome.researchType, model: outcome.model, score: outcome.quality, source: 'evaluator' });
      }
      checkLeader(outcome.researchType, changed);
    },

    recordQuality(input) {
      observeQuality({ kind: 'quality', provider: input.provider, researchType: input.researchType, model: input.model, score: input.score, source: input.source ?? 'evaluator' });
      checkLeader(input.researchType);
    },

    recordFeedback(input) {
      observeQuality({ kind: 'quality', provider: input.provider, researchType: input.researchType, model: input.model, score: ratingToScore(input.rating), source: 'feedback' });
      checkLeader(input.researchType);
    },

    applyChanges(changes) {
      for (const change of changes) {
        if (change.kind === 'prefer_provider') preferences.set(change.researchType, change.provider);
        else pinnedModels.set(change.researchType === undefined ? change.provider : `${change.provider}${SEP}${change.researchType}`, change.model);
      }
    },

    async learningStatus(statusOptions = {}) {
      const types = new Set<string>();
      for (const series of window.series()) if (series.startsWith('t:')) types.add(series.slice(2).split(SEP)[1] ?? '');
      const models: LearningStatus['models'] = [];
      for (const entry of quality.entries()) {
        types.add(entry.researchType);
        if (entry.model !== undefined) {
          models.push({ provider: entry.provider, researchType: entry.researchType, model: entry.model, quality: entry.estimate.mean, samples: entry.estimate.samples });
        }
      }
      const estimates: ProviderEstimate[] = [];
      for (const researchType of [...types].sort()) {
        const list = views(options.providers, researchType);
        const decision = strategy === 'round_robin' || strategy === 'fixed_order' ? undefined : decide(options.providers, researchType, false);
        for (const view of list) {
          const rank = decision ? decision.order.indexOf(view.provider) + 1 : undefined;
          const score = decision?.scores[view.provider];
          estimates.push({
            provider: view.provider,
            researchType,
            samples: view.samples,
            availability: availabilityMean(view),
            latencyMs: view.latencyMs,
            costUsd: view.costUsd,
            quality: view.quality.mean,
            qualitySamples: view.quality.samples,
            ...(score === undefined ? {} : { score }),
            ...(rank === undefined ? {} : { rank }),
          });
        }
      }
      const status: LearningStatus = { strategy, estimates, models, adaptations: log.recent(statusOptions.historyLimit ?? 20) };
      if (deps.learning?.listRecent) {
        const rows = await deps.learning.listRecent({ limit: statusOptions.historyLimit ?? 20 });
        status.history = rows.map((row) => ({ learningType: row.learningType, subject: row.subject, confidence: row.confidenceScore, createdAt: row.createdAt, after: row.after }));
      }
      return status;
    },
  };
}

/** `order` with `provider` first (the same array when it already leads: the gateway's usual case). */
function leadWith(order: string[], provider: string): string[] {
  return order[0] === provider ? order : [provider, ...order.filter((name) => name !== provider)];
}
