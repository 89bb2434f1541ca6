import { createSketch, sketchMerge, sketchQuantile } from './log-sketch.js';
import type { LogSketch } from './log-sketch.js';
import type { CircuitStateName, GaugeState, HitCounts, LatencySummary, MetricsSnapshot, ProviderSummary, TimelinePoint } from './metrics-snapshot.js';
import type { RollingWindowState } from './rolling-window.js';
import { KEY, splitKey } from './window-keys.js';

export interface SummaryOptions {
  now: number;
  /** Summarise only the last `spanMs` (rounded out to whole buckets); default the whole window. */
  spanMs?: number;
  /** Include one point per bucket (for trend charts). */
  timeline?: boolean;
  processes?: number;
}

interface Totals {
  counters: Map<string, number>;
  sketches: Map<string, LogSketch>;
}

function sumSlots(slots: RollingWindowState['slots']): Totals {
  const totals: Totals = { counters: new Map(), sketches: new Map() };
  for (const slot of slots) {
    for (const [key, value] of slot.counters) totals.counters.set(key, (totals.counters.get(key) ?? 0) + value);
    for (const [key, state] of slot.sketches) {
      let sketch = totals.sketches.get(key);
      if (!sketch) totals.sketches.set(key, (sketch = createSketch()));
      sketchMerge(sketch, state);
    }
  }
  return totals;
}

const nullable = (value: number | undefined): number | null => (value === undefined || Number.isNaN(value) ? null : value);
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function summarizeLatency(sketch: LogSketch | undefined): LatencySummary {
  if (!sketch || sketch.count === 0) return { count: 0, avg: null, p50: null, p95: null, p99: null, max: null };
  return {
    count: sketch.count,
    avg: sketch.sum / sketch.count,
    p50: nullable(sketchQuantile(sketch, 0.5)),
    p95: nullable(sketchQuantile(sketch, 0.95)),
    p99: nullable(sketchQuantile(sketch, 0.99)),
    max: sketch.max,
  };
}

/** Every label seen under counter `name`, with its value. */
function labelsOf(totals: Totals, name: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const [key, value] of totals.counters) {
    const [keyName, label] = splitKey(key);
    if (keyName === name && label !== undefined) result.set(label, value);
  }
  return result;
}

function hitCounts(hits: number, misses: number): HitCounts {
  return { hits, misses, hitRatio: ratio(hits, hits + misses) };
}

function hitTable(totals: Totals, hitName: string, missName: string): Record<string, HitCounts> {
  const hits = labelsOf(totals, hitName);
  const misses = labelsOf(totals, missName);
  const table: Record<string, HitCounts> = {};
  for (const label of new Set([...hits.keys(), ...misses.keys()])) table[label] = hitCounts(hits.get(label) ?? 0, misses.get(label) ?? 0);
  return table;
}

function providers(totals: Totals): Record<string, ProviderSummary> {
  const count = (name: string, provider: string) => totals.counters.get(`${name}:${provider}`) ?? 0;
  const names = new Set([...labelsOf(totals, KEY.providerCalls).keys(), ...labelsOf(totals, KEY.providerRateLimited).keys()]);
  const table: Record<string, ProviderSummary> = {};
  for (const provider of [...names].sort()) {
    const calls = count(KEY.providerCalls, provider);
    const failures = count(KEY.providerFailures, provider);
    const costUsd = count(KEY.providerCostUsd, provider);
    const qualityCount = count(KEY.providerQualityCount, provider);
    table[provider] = {
      calls,
      failures,
      successRate: ratio(calls - failures, calls),
      latency: summarizeLatency(totals.sketches.get(`${KEY.providerLatency}:${provider}`)),
      inputTokens: count(KEY.providerInputTokens, provider),
      outputTokens: count(KEY.providerOutputTokens, provider),
      costUsd,
      costPerRequest: ratio(costUsd, calls),
      rateLimited: count(KEY.providerRateLimited, provider),
      quality: { count: qualityCount, avg: ratio(count(KEY.providerQualitySum, provider), qualityCount) },
    };
  }
  return table;
}

function timelinePoint(slot: RollingWindowState['slots'][number]): TimelinePoint {
  const totals = sumSlots([slot]);
  const counter = (key: string) => totals.counters.get(key) ?? 0;
  const p = (key: string, q: number) => {
    const sketch = totals.sketches.get(key);
    return sketch ? nullable(sketchQuantile(sketch, q)) : null;
  };
  const sumOf = (name: string) => [...labelsOf(totals, name).values()].reduce((a, b) => a + b, 0);
  return {
    t: slot.start,
    requests: counter(KEY.apiRequests),
    errors: counter(KEY.apiErrors),
    p50: p(KEY.apiLatency, 0.5),
    p95: p(KEY.apiLatency, 0.95),
    p99: p(KEY.apiLatency, 0.99),
    providerP95: p(KEY.providerLatencyAll, 0.95),
    qualityP95: p(KEY.qualityLatency, 0.95),
    costUsd: sumOf(KEY.providerCostUsd),
    cacheHits: sumOf(KEY.cacheLookupHit),
    cacheMisses: sumOf(KEY.cacheLookupMiss),
  };
}

/** Turns a (possibly merged) window plus gauges into the snapshot the SLA engine and dashboard read. */
export function summarizeWindow(state: RollingWindowState, gauges: GaugeState, options: SummaryOptions): MetricsSnapshot {
  const spanMs = Math.min(options.spanMs ?? state.windowMs, state.windowMs);
  const slots = state.slots.filter((slot) => slot.start + state.bucketMs > options.now - spanMs && slot.start <= options.now);
  const totals = sumSlots(slots);
  const counter = (key: string) => totals.counters.get(key) ?? 0;
  const coveredSeconds = Math.max(1, Math.min(spanMs, options.now - state.startedAt)) / 1000;

  const requests = counter(KEY.apiRequests);
  const errors = counter(KEY.apiErrors);
  const errorRate = ratio(errors, requests);
  const providerTable = providers(totals);
  const allCalls = Object.values(providerTable).reduce((sum, provider) => sum + provider.calls, 0);
  const allCost = Object.values(providerTable).reduce((sum, provider) => sum + provider.costUsd, 0);
  const qualityCount = counter(KEY.qualityScoreCount);
  const typeSums = labelsOf(totals, KEY.qualityTypeSum);
  const byResearchType: Record<string, { count: number; avg: number | null }> = {};
  for (const [type, typeCount] of labelsOf(totals, KEY.qualityTypeCount)) byResearchType[type] = { count: typeCount, avg: ratio(typeSums.get(type) ?? 0, typeCount) };
  const lookupHits = [...labelsOf(totals, KEY.cacheLookupHit).values()].reduce((a, b) => a + b, 0);
  const lookupMisses = [...labelsOf(totals, KEY.cacheLookupMiss).values()].reduce((a, b) => a + b, 0);
  const qualityLatency = summarizeLatency(totals.sketches.get(KEY.qualityLatency));

  const snapshot: MetricsSnapshot = {
    at: options.now,
    spanMs,
    bucketMs: state.bucketMs,
    processes: options.processes ?? 1,
    api: {
      requests,
      errors,
      clientErrors: counter(KEY.apiClientErrors),
      errorRate,
      availability: errorRate === null ? null : 1 - errorRate,
      requestRate: requests / coveredSeconds,
      latency: summarizeLatency(totals.sketches.get(KEY.apiLatency)),
    },
    providers: providerTable,
    providerLatency: summarizeLatency(totals.sketches.get(KEY.providerLatencyAll)),
    providerCallRate: allCalls / coveredSeconds,
    costPerRequest: ratio(allCost, allCalls),
    quality: {
      evaluationTime: qualityLatency,
      evaluationRate: qualityCount / coveredSeconds,
      score: { count: qualityCount, avg: ratio(counter(KEY.qualityScoreSum), qualityCount) },
      byResearchType,
    },
    cache: {
      ...hitCounts(lookupHits, lookupMisses),
      byLevel: hitTable(totals, KEY.cacheLevelHit, KEY.cacheLevelMiss),
      byStrategy: hitTable(totals, KEY.cacheLookupHit, KEY.cacheLookupMiss),
    },
    learning: {
      adaptationTime: summarizeLatency(totals.sketches.get(KEY.learningAdaptation)),
      patternProcessing: summarizeLatency(totals.sketches.get(KEY.learningPattern)),
      feedbackLatency: summarizeLatency(totals.sketches.get(KEY.learningFeedback)),
    },
    ...gauges,
  };
  if (options.timeline) snapshot.timeline = slots.map(timelinePoint);
  return snapshot;
}

const CIRCUIT_SEVERITY: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Combines workers' point-in-time values: concurrent requests add up; budget utilisation (a
 * shared ledger seen by every worker) takes the maximum; a circuit is as open as its most open
 * worker; event-loop lag takes the worst worker.
 */
export function mergeGauges(all: GaugeState[]): GaugeState {
  const merged: GaugeState = { concurrentRequests: 0, budget: {}, circuits: {}, redisDegraded: false, eventLoopLag: null };
  for (const gauges of all) {
    merged.concurrentRequests += gauges.concurrentRequests;
    merged.redisDegraded ||= gauges.redisDegraded;
    for (const [scope, value] of Object.entries(gauges.budget)) merged.budget[scope] = Math.max(merged.budget[scope] ?? -Infinity, value);
    for (const [provider, state] of Object.entries(gauges.circuits)) {
      const current = merged.circuits[provider];
      if (!current || CIRCUIT_SEVERITY[state] > CIRCUIT_SEVERITY[current]) merged.circuits[provider] = state;
    }
    const lag = gauges.eventLoopLag;
    if (lag) {
      const into = merged.eventLoopLag;
      merged.eventLoopLag = into
        ? {
            mean: Math.max(into.mean, lag.mean),
            p50: Math.max(into.p50, lag.p50),
            p95: Math.max(into.p95, lag.p95),
            p99: Math.max(into.p99, lag.p99),
            max: Math.max(into.max, lag.max),
          }
        : { ...lag };
    }
  }
  return merged;
}
