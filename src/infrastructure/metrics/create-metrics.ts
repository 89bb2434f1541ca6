import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import type { CounterSeries, FastCounter, FastHistogram, HistogramSeries } from './fast-series.js';
import { createApiBatch } from './api-batch.js';
import { createLabelGuard } from './label-guard.js';
import type { Metrics } from './metrics.js';
import type { MetricsDeps, MetricsOptions } from './metrics-options.js';
import type { GaugeState } from './metrics-snapshot.js';
import { registerPrometheusMetrics } from './prometheus-metrics.js';
import { createRollingWindow, slotAdd, slotCounter, slotObserve, slotSketch } from './rolling-window.js';
import type { Cell, WindowSlot } from './rolling-window.js';
import type { LogSketch } from './log-sketch.js';
import { sketchObserve } from './log-sketch.js';
import { registerSystemMetrics } from './system-metrics.js';
import { KEY, labelled } from './window-keys.js';
import { summarizeWindow } from './window-summary.js';

const STATUS_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
const NANOS_PER_MS = 1e6;

const inc = (counter: FastCounter | undefined, labels: readonly string[], amount = 1): void => {
  if (counter) counter.series(labels).value += amount;
};
const observe = (histogram: FastHistogram | undefined, labels: readonly string[], value: number): void => {
  if (histogram) histogram.observe(histogram.series(labels), value);
};

/** What one provider call records into, for one (provider, model, outcome). */
interface ProviderCall {
  keys: { calls: string; failures: string; inputTokens: string; outputTokens: string; costUsd: string; latency: string };
  totals: { calls: number; ok: number };
  /** Label values of each Prometheus series (folded), in their metric's order. */
  labels: { call: string[]; input: string[]; output: string[]; cost: string[]; provider: string[] };
  /** Prometheus series, each resolved on its first use. */
  series: {
    duration?: HistogramSeries;
    requests?: CounterSeries;
    inputTokens?: CounterSeries;
    outputTokens?: CounterSeries;
    cost?: CounterSeries;
    costPerRequest?: HistogramSeries;
  };
}

/** What one cache observation records into, for one (level or strategy, result). */
interface CacheCall {
  windowKey: string;
  totals: { hits: number; reads: number };
  series?: CounterSeries;
}

interface ApiSeries {
  requests?: CounterSeries;
  duration?: HistogramSeries;
  errors?: CounterSeries;
}

/**
 * Builds the metrics facade over its own prom-client `Registry` (never the global one, so tests
 * and several instances do not collide) plus the in-process rolling window.
 *
 * The API path is the hot one: per request it folds two labels, finds its series through a
 * small cache (route → method → status class), bumps a counter and a histogram bucket in place,
 * and adds to the rolling window. See bench/RESULTS-metrics.md for the measured cost.
 */
export function createMetrics(options: MetricsOptions = {}, deps: MetricsDeps = {}): Metrics {
  const enabled = options.collection?.enabled !== false;
  const prefix = options.prefix ?? 'fortitude_';
  const samplingRate = options.collection?.samplingRate ?? 1;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const bucketMs = options.window?.bucketMs ?? 10_000;
  const registry = new Registry();
  const window = createRollingWindow({ bucketMs, windowMs: options.window?.windowMs ?? 3_600_000, now });
  const sample: () => boolean = samplingRate >= 1 ? () => true : samplingRate <= 0 ? () => false : () => random() < samplingRate;

  // Point-in-time values and cumulative totals; the collect-time gauges and snapshots read them.
  const gauges: Omit<GaugeState, 'eventLoopLag'> = { concurrentRequests: 0, budget: {}, circuits: {}, redisDegraded: false };
  const providerTotals = new Map<string, { calls: number; ok: number }>();
  const cacheTotals = new Map<string, { hits: number; reads: number }>();

  const prom = enabled
    ? registerPrometheusMetrics(registry, prefix, options.components, options.collection?.highResolution !== false, {
        gauges: () => gauges,
        providerTotals,
        cacheTotals,
        beforeRead: () => flushApi(),
      })
    : undefined;
  const guard = createLabelGuard(options.highCardinalityLimit ?? 100, (label) => inc(prom?.labelOverflow, [label]));
  const fold = guard.fold;
  if (enabled) registerSystemMetrics(registry, prefix, options.components, guard);

  // API series by raw route → raw method → status class. Only values the label guard admitted
  // are cached under their raw spelling; a folded (`other`) value goes through the guard each
  // time, so junk paths cannot grow this cache and every fold is counted.
  const apiCache = new Map<string, Map<string, (ApiSeries | undefined)[]>>();
  const apiSeriesByLabels = (route: string, method: string, statusIndex: number): ApiSeries => {
    const statusClass = STATUS_CLASS[statusIndex]!;
    const labels = [route, method, statusClass];
    return {
      requests: prom?.apiRequests?.series(labels),
      duration: prom?.apiDuration?.series(labels),
      errors: statusIndex >= 4 && statusIndex <= 5 ? prom?.apiErrors?.series([route, statusClass]) : undefined,
    };
  };
  const apiSeries = (rawRoute: string, rawMethod: string, statusIndex: number): ApiSeries => {
    const cached = apiCache.get(rawRoute)?.get(rawMethod)?.[statusIndex];
    if (cached) return cached;
    const route = fold('route', rawRoute);
    const method = fold('method', rawMethod);
    if (route !== rawRoute || method !== rawMethod) return apiSeriesByLabels(route, method, statusIndex);
    let byMethod = apiCache.get(route);
    if (!byMethod) apiCache.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = []));
    return (byStatus[statusIndex] = apiSeriesByLabels(route, method, statusIndex));
  };

  // API observations are buffered (see api-batch.ts) and applied here in batches, each batch
  // into the window slot that was current when it was recorded.
  const apiBatch = createApiBatch(1024);
  let batchSlot: WindowSlot | undefined;
  let apiCells: { requests: Cell; errors: Cell; clientErrors: Cell; latency: LogSketch } | undefined;
  const applyApi = (route: string, method: string, status: number, durationMs: number) => {
    const cells = apiCells!;
    cells.requests.value += 1;
    if (status >= 500) cells.errors.value += 1;
    else if (status >= 400) cells.clientErrors.value += 1;
    const keep = sample();
    if (keep) sketchObserve(cells.latency, durationMs);
    if (!prom) return;
    const series = apiSeries(route, method, status >= 0 && status < 600 ? Math.trunc(status / 100) : 6);
    if (series.requests) series.requests.value += 1;
    if (keep && series.duration) prom.apiDuration!.observe(series.duration, durationMs / 1000);
    if (series.errors) series.errors.value += 1;
  };
  function flushApi(): void {
    if (apiBatch.length > 0) apiBatch.drain(applyApi);
  }
  /** Makes `slot` the one buffered observations go to, draining the previous slot's first. */
  const useSlot = (slot: WindowSlot) => {
    flushApi();
    batchSlot = slot;
    apiCells = {
      requests: slotCounter(slot, KEY.apiRequests),
      errors: slotCounter(slot, KEY.apiErrors),
      clientErrors: slotCounter(slot, KEY.apiClientErrors),
      latency: slotSketch(slot, KEY.apiLatency),
    };
  };

  // Event-loop delay for snapshots; the last completed period (≥ one bucket) is reported.
  const loopDelay = enabled ? monitorEventLoopDelay({ resolution: 20 }) : undefined;
  loopDelay?.enable();
  let loopPeriodStart = now();
  let lastLoopLag: GaugeState['eventLoopLag'] = null;
  const eventLoopLag = (): GaugeState['eventLoopLag'] => {
    if (!loopDelay) return null;
    const time = now();
    const periodOver = time - loopPeriodStart >= bucketMs;
    if ((periodOver || lastLoopLag === null) && loopDelay.count > 0) {
      lastLoopLag = {
        mean: loopDelay.mean / NANOS_PER_MS,
        p50: loopDelay.percentile(50) / NANOS_PER_MS,
        p95: loopDelay.percentile(95) / NANOS_PER_MS,
        p99: loopDelay.percentile(99) / NANOS_PER_MS,
        max: loopDelay.max / NANOS_PER_MS,
      };
    }
    if (periodOver) {
      loopDelay.reset();
      loopPeriodStart = time;
    }
    return lastLoopLag;
  };
  const gaugeState = (): GaugeState => ({
    concurrentRequests: gauges.concurrentRequests,
    budget: { ...gauges.budget },
    circuits: { ...gauges.circuits },
    redisDegraded: gauges.redisDegraded,
    eventLoopLag: eventLoopLag(),
  });

  const observeLearning = (key: string, histogram: FastHistogram | undefined) => (durationMs: number) => {
    if (!sample()) return;
    slotObserve(window.current(), key, durationMs);
    observe(histogram, [], durationMs / 1000);
  };

  // Provider calls and cache observations: everything a call records into (window keys, totals,
  // Prometheus series) is resolved once per label combination and cached under the raw values,
  // as for API requests above: a call then allocates nothing (it built five `name:label` keys,
  // four label arrays and walked five series trees each time: ~1.4 KB and several µs per call,
  // bench/metrics-recorders.ts). Only combinations the label guard admitted whole are cached; a
  // folded value goes through the guard every time, so every fold is still counted.
  const providerCalls = new Map<string, Map<string, Map<string, ProviderCall>>>();
  const providerCall = (rawProvider: string, rawModel: string, rawOutcome: string): ProviderCall => {
    const cached = providerCalls.get(rawProvider)?.get(rawModel)?.get(rawOutcome);
    if (cached) return cached;
    const provider = fold('provider', rawProvider);
    const model = prom ? fold('model', rawModel) : rawModel;
    const outcome = prom ? fold('outcome', rawOutcome) : rawOutcome;
    let totals = providerTotals.get(provider);
    if (!totals) providerTotals.set(provider, (totals = { calls: 0, ok: 0 }));
    const call: ProviderCall = {
      keys: {
        calls: labelled(KEY.providerCalls, provider),
        failures: labelled(KEY.providerFailures, provider),
        inputTokens: labelled(KEY.providerInputTokens, provider),
        outputTokens: labelled(KEY.providerOutputTokens, provider),
        costUsd: labelled(KEY.providerCostUsd, provider),
        latency: labelled(KEY.providerLatency, provider),
      },
      totals,
      labels: { call: [provider, model, outcome], input: [provider, model, 'input'], output: [provider, model, 'output'], cost: [provider, model], provider: [provider] },
      series: {},
    };
    if (provider !== rawProvider || model !== rawModel || outcome !== rawOutcome) return call;
    let byModel = providerCalls.get(provider);
    if (!byModel) providerCalls.set(provider, (byModel = new Map()));
    let byOutcome = byModel.get(model);
    if (!byOutcome) byModel.set(model, (byOutcome = new Map()));
    byOutcome.set(outcome, call);
    return call;
  };
  const bumpTotals = (totals: { hits: number; reads: number }, hit: boolean) => {
    totals.reads += 1;
    if (hit) totals.hits += 1;
  };
  const cacheTotalsOf = (level: string) => {
    let totals = cacheTotals.get(level);
    if (!totals) cacheTotals.set(level, (totals = { hits: 0, reads: 0 }));
    return totals;
  };
  const cacheObservations = new Map<string, Map<string, Map<string, CacheCall>>>();
  const cacheObservation = (rawLevel: string, rawStrategy: string, result: 'hit' | 'miss'): CacheCall => {
    const cached = cacheObservations.get(rawLevel)?.get(rawStrategy)?.get(result);
    if (cached) return cached;
    const level = fold('level', rawLevel);
    const strategy = prom?.cacheRequests ? fold('strategy', rawStrategy) : rawStrategy;
    const call: CacheCall = {
      windowKey: labelled(result === 'hit' ? KEY.cacheLevelHit : KEY.cacheLevelMiss, level),
      totals: cacheTotalsOf(level),
      series: prom?.cacheRequests?.series([level, strategy, result]),
    };
    if (level !== rawLevel || strategy !== rawStrategy) return call;
    let byStrategy = cacheObservations.get(level);
    if (!byStrategy) cacheObservations.set(level, (byStrategy = new Map()));
    let byResult = byStrategy.get(strategy);
    if (!byResult) byStrategy.set(strategy, (byResult = new Map()));
    byResult.set(result, call);
    return call;
  };
  const cacheLookups = new Map<string, Map<string, CacheCall>>();
  const cacheLookup = (rawStrategy: string, result: 'hit' | 'miss'): CacheCall => {
    const cached = cacheLookups.get(rawStrategy)?.get(result);
    if (cached) return cached;
    const strategy = fold('strategy', rawStrategy);
    const call: CacheCall = {
      windowKey: labelled(result === 'hit' ? KEY.cacheLookupHit : KEY.cacheLookupMiss, strategy),
      totals: cacheTotalsOf('all'),
      series: prom?.cacheLookups?.series([strategy, result]),
    };
    if (strategy !== rawStrategy) return call;
    let byResult = cacheLookups.get(strategy);
    if (!byResult) cacheLookups.set(strategy, (byResult = new Map()));
    byResult.set(result, call);
    return call;
  };

  const metrics: Metrics = {
    registry,
    enabled,

    observeApiRequest({ route, method, status, durationMs }) {
      if (status === 499) inc(prom?.clientAborts, []);
      const slot = window.current();
      if (slot !== batchSlot) useSlot(slot);
      if (apiBatch.push(route, method, status, durationMs)) flushApi();
    },

    apiConcurrent: {
      inc() {
        gauges.concurrentRequests += 1;
      },
      dec() {
        gauges.concurrentRequests -= 1;
      },
    },

    observeProviderCall({ provider: rawProvider, model: rawModel, outcome: rawOutcome, durationMs, inputTokens = 0, outputTokens = 0, costUsd = 0 }) {
      const call = providerCall(rawProvider, rawModel, rawOutcome);
      const { keys, totals, series } = call;
      const success = rawOutcome === 'success';
      const slot = window.current();
      slotAdd(slot, keys.calls);
      if (!success) slotAdd(slot, keys.failures);
      if (inputTokens) slotAdd(slot, keys.inputTokens, inputTokens);
      if (outputTokens) slotAdd(slot, keys.outputTokens, outputTokens);
      if (costUsd) slotAdd(slot, keys.costUsd, costUsd);
      const keep = sample();
      if (keep) {
        slotObserve(slot, KEY.providerLatencyAll, durationMs);
        slotObserve(slot, keys.latency, durationMs);
      }
      totals.calls += 1;
      if (success) totals.ok += 1;
      if (!prom || !series) return;
      // Each series is created on its first use, as before: a provider that never reports tokens
      // or cost shows no such series.
      const { labels } = call;
      if (keep && prom.providerDuration) prom.providerDuration.observe((series.duration ??= prom.providerDuration.series(labels.call)), durationMs / 1000);
      if (prom.providerRequests) (series.requests ??= prom.providerRequests.series(labels.call)).value += 1;
      if (inputTokens && prom.providerTokens) (series.inputTokens ??= prom.providerTokens.series(labels.input)).value += inputTokens;
      if (outputTokens && prom.providerTokens) (series.outputTokens ??= prom.providerTokens.series(labels.output)).value += outputTokens;
      if (costUsd && prom.providerCost) (series.cost ??= prom.providerCost.series(labels.cost)).value += costUsd;
      if (keep && prom.providerCostPerRequest) prom.providerCostPerRequest.observe((series.costPerRequest ??= prom.providerCostPerRequest.series(labels.provider)), costUsd);
    },

    rateLimited(rawProvider) {
      const provider = fold('provider', rawProvider);
      slotAdd(window.current(), labelled(KEY.providerRateLimited, provider));
      inc(prom?.providerRateLimited, [provider]);
    },

    setCircuitState(rawProvider, state) {
      const provider = fold('provider', rawProvider);
      gauges.circuits[provider] = state;
    },

    setBudgetUtilization(rawScope, fraction) {
      const scope = fold('scope', rawScope);
      gauges.budget[scope] = fraction;
    },

    observeQualityEvaluation({ researchType, durationMs, score, provider }) {
      const type = fold('research_type', researchType);
      const slot = window.current();
      slotAdd(slot, KEY.qualityScoreCount);
      slotAdd(slot, KEY.qualityScoreSum, score);
      slotAdd(slot, labelled(KEY.qualityTypeCount, type));
      slotAdd(slot, labelled(KEY.qualityTypeSum, type), score);
      if (provider !== undefined) {
        const name = fold('provider', provider);
        slotAdd(slot, labelled(KEY.providerQualityCount, name));
        slotAdd(slot, labelled(KEY.providerQualitySum, name), score);
      }
      if (!sample()) return;
      slotObserve(slot, KEY.qualityLatency, durationMs);
      observe(prom?.qualityDuration, [type], durationMs / 1000);
      observe(prom?.qualityScore, [type], score);
    },

    observeCache({ level: rawLevel, strategy, result }) {
      const cache = cacheObservation(rawLevel, strategy, result);
      slotAdd(window.current(), cache.windowKey);
      bumpTotals(cache.totals, result === 'hit');
      if (cache.series) cache.series.value += 1;
    },

    observeCacheLookup({ strategy: rawStrategy, result }) {
      const lookup = cacheLookup(rawStrategy, result);
      slotAdd(window.current(), lookup.windowKey);
      bumpTotals(lookup.totals, result === 'hit');
      if (lookup.series) lookup.series.value += 1;
    },

    observeLearningAdaptation: observeLearning(KEY.learningAdaptation, prom?.learningAdaptation),
    observePatternProcessing: observeLearning(KEY.learningPattern, prom?.learningPattern),
    observeFeedbackLatency: observeLearning(KEY.learningFeedback, prom?.learningFeedback),

    redisDegraded(degraded) {
      if (degraded && !gauges.redisDegraded) inc(prom?.redisDegradedTotal, []);
      gauges.redisDegraded = degraded;
    },

    observeAlertTransition(severity, state) {
      inc(prom?.alertTransitions, [fold('severity', severity), fold('state', state)]);
    },

    observeAlertNotification(outcome) {
      inc(prom?.alertNotifications, [outcome]);
    },

    async render() {
      flushApi();
      return { contentType: registry.contentType, body: enabled ? await registry.metrics() : '' };
    },

    snapshot(snapshotOptions = {}) {
      flushApi();
      const time = snapshotOptions.now ?? now();
      return summarizeWindow(window.state({ now: time }), gaugeState(), { now: time, spanMs: snapshotOptions.spanMs, timeline: snapshotOptions.timeline });
    },

    localState() {
      flushApi();
      return { window: window.state(), gauges: gaugeState() };
    },

    close() {
      flushApi();
      window.close();
      loopDelay?.disable();
      registry.clear();
    },
  };
  return enabled ? metrics : disable(metrics);
}

/** `collection.enabled: false`: every recorder is a no-op; reads still answer (empty). */
function disable(metrics: Metrics): Metrics {
  const noop = () => {};
  return {
    ...metrics,
    observeApiRequest: noop,
    apiConcurrent: { inc: noop, dec: noop },
    observeProviderCall: noop,
    rateLimited: noop,
    setCircuitState: noop,
    setBudgetUtilization: noop,
    observeQualityEvaluation: noop,
    observeCache: noop,
    observeCacheLookup: noop,
    observeLearningAdaptation: noop,
    observePatternProcessing: noop,
    observeFeedbackLatency: noop,
    redisDegraded: noop,
    observeAlertTransition: noop,
    observeAlertNotification: noop,
  };
}
