import { RESEARCH_TYPES } from '../../core/research.js';
import type { Optimization } from './optimization.js';
import type { OptimizerWindow, ProviderWindow } from './optimizer-window.js';
import { binomialTail, callsAbove, median } from './statistics.js';

/**
 * ProviderSelection: notice a provider whose latency or error rate degraded, against its own
 * recent past (or, without one, against its peers), and propose moving its traffic to the best
 * healthy alternative. Confidence is 1 − the p-value of what the window shows under "nothing
 * changed". Latency is tested twice: against the old p95 (under the old behaviour a call exceeds
 * it with probability 0.05), which catches a slower tail, and against the old median
 * (probability 0.5), which catches a shift of the whole distribution even when the old p95 was
 * inflated by stalls (a busy host, GC pauses). Errors are tested against the old error rate.
 */

export interface ProviderRuleOptions {
  /** Fewest calls in a window before a provider is judged (default 20). */
  minCalls?: number;
  /** p95 must exceed the reference by this factor … (default 2) */
  latencyFactor?: number;
  /** … and by at least this many ms (default 50), so a 2 ms → 5 ms wobble is not a degradation. */
  latencyMinIncreaseMs?: number;
  /** Error rate that counts as degraded when it is also twice the reference (default 0.05). */
  errorRateMin?: number;
  /** An alternative whose quality is lower by more than this is not a safe move (default 0.05). */
  qualityTolerance?: number;
  /** An alternative dearer per request by more than this factor is not a safe move (default 3). */
  maxCostFactor?: number;
  /** Baselines older than this are not trusted (default 1 h). */
  baselineMaxAgeMs?: number;
  /** Weight of the newest healthy window in the baseline (default 0.3). */
  baselineWeight?: number;
  /** Research types a preference is set for (default every type). */
  researchTypes?: readonly string[];
}

/** A provider's recent healthy behaviour. */
export interface ProviderBaseline {
  p50: number;
  p95: number;
  errorRate: number;
  quality: number | null;
  costPerRequest: number | null;
  /** When it was last updated, ms since the epoch. */
  at: number;
}

export interface Degradation {
  provider: string;
  kind: 'latency' | 'errors';
  confidence: number;
  /** The figure that moved (p50 or p95 ms, or error rate), its reference and the threshold it crossed. */
  statistic: 'p50' | 'p95' | 'error_rate';
  observed: number;
  reference: number;
  threshold: number;
  /** Latency only: the thresholds a healthy alternative must stay under. */
  limits?: { p50: number; p95: number };
}

export interface ProviderRuleContext {
  /** Keys of changes in force or being watched: not proposed again. */
  active: ReadonlySet<string>;
  /** Providers that active changes moved traffic away from: never an alternative. */
  avoided: ReadonlySet<string>;
}

const defaults = (options: ProviderRuleOptions) => ({
  minCalls: options.minCalls ?? 20,
  latencyFactor: options.latencyFactor ?? 2,
  latencyMinIncreaseMs: options.latencyMinIncreaseMs ?? 50,
  errorRateMin: options.errorRateMin ?? 0.05,
  qualityTolerance: options.qualityTolerance ?? 0.05,
  maxCostFactor: options.maxCostFactor ?? 3,
  baselineMaxAgeMs: options.baselineMaxAgeMs ?? 3_600_000,
  baselineWeight: options.baselineWeight ?? 0.3,
  researchTypes: options.researchTypes ?? RESEARCH_TYPES,
});

/** Floor on a reference error rate: a provider that never failed has not proven it never will. */
const MIN_REFERENCE_ERROR_RATE = 0.01;
/** Under "nothing changed", the share of calls above the old p95, and above the old median. */
const TAIL_SHARE = 0.05;
const MEDIAN_SHARE = 0.5;

const judged = (entry: ProviderWindow | undefined, minCalls: number): entry is ProviderWindow =>
  entry !== undefined && entry.calls >= minCalls && entry.latency.p50 !== null && entry.latency.p95 !== null;

function freshBaseline(baselines: ReadonlyMap<string, ProviderBaseline>, provider: string, at: number, maxAgeMs: number): ProviderBaseline | undefined {
  const baseline = baselines.get(provider);
  return baseline && at - baseline.at <= maxAgeMs ? baseline : undefined;
}

export function detectDegradations(window: OptimizerWindow, baselines: ReadonlyMap<string, ProviderBaseline>, options: ProviderRuleOptions = {}): Degradation[] {
  const settings = defaults(options);
  const found: Degradation[] = [];
  const names = Object.keys(window.providers).sort();
  for (const provider of names) {
    const entry = window.providers[provider];
    if (!judged(entry, settings.minCalls)) continue;
    const peers = names.filter((name) => name !== provider).map((name) => window.providers[name]).filter((peer) => judged(peer, settings.minCalls));
    const baseline = freshBaseline(baselines, provider, window.at, settings.baselineMaxAgeMs);

    const reference50 = baseline?.p50 ?? median(peers.map((peer) => peer.latency.p50!));
    const reference95 = baseline?.p95 ?? median(peers.map((peer) => peer.latency.p95!));
    if (reference50 !== undefined && reference95 !== undefined) {
      const limit = (reference: number) => Math.max(reference * settings.latencyFactor, reference + settings.latencyMinIncreaseMs);
      const limits = { p50: limit(reference50), p95: limit(reference95) };
      const tests = [
        { statistic: 'p50' as const, observed: entry.latency.p50!, reference: reference50, threshold: limits.p50, share: MEDIAN_SHARE },
        { statistic: 'p95' as const, observed: entry.latency.p95!, reference: reference95, threshold: limits.p95, share: TAIL_SHARE },
      ]
        .filter((test) => test.observed > test.threshold)
        .map((test) => ({ ...test, confidence: 1 - binomialTail(entry.latency.count, callsAbove(entry.latency, test.threshold), test.share) }))
        .sort((a, b) => b.confidence - a.confidence);
      const strongest = tests[0];
      if (strongest) {
        const { share: _share, ...test } = strongest;
        found.push({ provider, kind: 'latency', ...test, limits });
      }
    }

    const errorReference = Math.max(MIN_REFERENCE_ERROR_RATE, baseline?.errorRate ?? median(peers.map((peer) => peer.errorRate ?? 0)) ?? 0);
    const errorRate = entry.errorRate ?? 0;
    if (errorRate >= settings.errorRateMin && errorRate > 2 * errorReference) {
      const confidence = 1 - binomialTail(entry.calls, entry.failures, errorReference);
      found.push({ provider, kind: 'errors', statistic: 'error_rate', confidence, observed: errorRate, reference: errorReference, threshold: Math.max(settings.errorRateMin, 2 * errorReference) });
    }
  }
  return found;
}

/** Folds each healthy provider's window into its baseline (degraded windows are left out). */
export function updateBaselines(baselines: Map<string, ProviderBaseline>, window: OptimizerWindow, degraded: ReadonlySet<string>, options: ProviderRuleOptions = {}): void {
  const settings = defaults(options);
  for (const [provider, entry] of Object.entries(window.providers)) {
    if (degraded.has(provider) || !judged(entry, settings.minCalls)) continue;
    const previous = freshBaseline(baselines, provider, window.at, settings.baselineMaxAgeMs);
    const weight = previous ? settings.baselineWeight : 1;
    const blend = (old: number | null | undefined, now: number | null): number | null => (old === null || old === undefined ? now : now === null ? old : old + weight * (now - old));
    baselines.set(provider, {
      p50: blend(previous?.p50, entry.latency.p50)!,
      p95: blend(previous?.p95, entry.latency.p95)!,
      errorRate: blend(previous?.errorRate, entry.errorRate ?? 0)!,
      quality: blend(previous?.quality, entry.quality),
      costPerRequest: blend(previous?.costPerRequest, entry.costPerRequest),
      at: window.at,
    });
  }
}

interface Alternative {
  provider: string;
  p50: number;
  p95: number;
  errorRate: number;
  quality: number | null;
  costPerRequest: number | null;
  source: 'window' | 'baseline';
}

function alternatives(window: OptimizerWindow, baselines: ReadonlyMap<string, ProviderBaseline>, excluded: ReadonlySet<string>, settings: ReturnType<typeof defaults>): Alternative[] {
  const names = new Set([...Object.keys(window.providers), ...baselines.keys()]);
  const found: Alternative[] = [];
  for (const provider of [...names].sort()) {
    if (excluded.has(provider)) continue;
    const entry = window.providers[provider];
    if (judged(entry, settings.minCalls)) {
      found.push({ provider, p50: entry.latency.p50!, p95: entry.latency.p95!, errorRate: entry.errorRate ?? 0, quality: entry.quality, costPerRequest: entry.costPerRequest, source: 'window' });
      continue;
    }
    const baseline = freshBaseline(baselines, provider, window.at, settings.baselineMaxAgeMs);
    if (baseline) found.push({ provider, ...baseline, source: 'baseline' });
  }
  return found;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export function proposeProviderSelection(
  window: OptimizerWindow,
  baselines: ReadonlyMap<string, ProviderBaseline>,
  context: ProviderRuleContext,
  options: ProviderRuleOptions = {},
): Optimization[] {
  const settings = defaults(options);
  const degradations = detectDegradations(window, baselines, options);
  const degraded = new Set(degradations.map((entry) => entry.provider));
  // One proposal per provider: the more certain of its latency and error findings.
  const strongest = new Map<string, Degradation>();
  for (const entry of degradations) if ((strongest.get(entry.provider)?.confidence ?? -1) < entry.confidence) strongest.set(entry.provider, entry);

  const proposals: Optimization[] = [];
  for (const degradation of strongest.values()) {
    const key = `provider_selection:avoid:${degradation.provider}`;
    if (context.active.has(key)) continue;
    const current = window.providers[degradation.provider]!;
    const limits = degradation.limits;
    const candidates = alternatives(window, baselines, new Set([...degraded, ...context.avoided]), settings).filter((candidate) =>
      limits
        ? candidate.p50 <= limits.p50 && candidate.p95 < current.latency.p95! && candidate.errorRate < settings.errorRateMin
        : candidate.errorRate < degradation.threshold,
    );
    const best = candidates.sort((a, b) => (degradation.kind === 'latency' ? a.p95 - b.p95 || a.errorRate - b.errorRate : a.errorRate - b.errorRate || a.p95 - b.p95))[0];
    if (!best) continue;
    const qualityDrop = current.quality !== null && best.quality !== null ? current.quality - best.quality : 0;
    const costFactor = current.costPerRequest && best.costPerRequest !== null ? best.costPerRequest / current.costPerRequest : 1;
    const qualityKept = qualityDrop <= settings.qualityTolerance;
    const costKept = costFactor <= settings.maxCostFactor;
    const symptom = degradation.kind === 'latency' ? `${degradation.statistic} ${ms(degradation.observed)}, was ${ms(degradation.reference)}` : `error rate ${percent(degradation.observed)}, was ${percent(degradation.reference)}`;
    proposals.push({
      type: 'provider_selection',
      key,
      description: `Shift traffic from ${degradation.provider} (${symptom}) to ${best.provider}`,
      confidence: degradation.confidence * (best.source === 'window' ? 1 : 0.95),
      safe: qualityKept && costKept,
      expectedEffect:
        degradation.kind === 'latency'
          ? `calls now on ${degradation.provider} answer in ≈${ms(best.p50)} (median; p95 ${ms(best.p95)}) instead of ${ms(current.latency.p50!)} (p95 ${ms(current.latency.p95!)})`
          : `calls now on ${degradation.provider} fail ≈${percent(best.errorRate)} instead of ${percent(degradation.observed)}`,
      target: degradation.kind === 'latency' ? { name: 'provider_latency_p95', direction: 'decrease' } : { name: 'provider_error_rate', direction: 'decrease' },
      evidence: {
        kind: degradation.kind,
        statistic: degradation.statistic,
        calls: current.calls,
        observed: degradation.observed,
        reference: degradation.reference,
        threshold: degradation.threshold,
        alternative: best.provider,
        alternativeP50: best.p50,
        alternativeP95: best.p95,
        alternativeErrorRate: best.errorRate,
        alternativeSource: best.source,
        qualityDrop,
        costFactor,
      },
      change: {
        avoid: degradation.provider,
        prefer: best.provider,
        routeChanges: settings.researchTypes.map((researchType) => ({ kind: 'prefer_provider', researchType, provider: best.provider, instead: degradation.provider })),
      },
    });
  }
  return proposals;
}
