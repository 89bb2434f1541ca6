import type { ProviderRequestsRepository } from '../../infrastructure/storage/repositories/provider-requests.js';
import type { QualityAggregate } from '../../infrastructure/storage/repositories/quality-metrics.js';
import { windowFor } from '../budget/analysis/time-range.js';
import type { Criteria } from './scoring.js';
import { rankByScore, scoreCandidates } from './scoring.js';

export interface ProviderAnalysisRow {
  provider: string;
  requests: number;
  errorRate: number;
  availability: number;
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  costPerRequestUsd: number;
  totalCostUsd: number;
  /** Mean composite quality over all research types (weighted by scores), undefined without scores. */
  quality: number | undefined;
  qualitySamples: number;
  /** Quality per research type. */
  qualityByType: Record<string, number>;
  /** The `performance_optimized` score with these measurements, and its terms. */
  score: number;
  terms: Criteria;
  rank: number;
}

export interface ProviderAnalysis {
  window: { from: number; to: number };
  criteria: Criteria;
  providers: ProviderAnalysisRow[];
  notes: string[];
}

/** Quality assumed for a provider without scores when ranking (neutral, not zero). */
const UNSCORED_QUALITY = 0.5;

/**
 * `fortitude benchmark analyze-providers`: each provider's measured latency, availability, cost
 * and quality over the window, scored and ranked with the `selection_strategy` weights.
 */
export async function analyzeProviders(
  deps: {
    requests: Pick<ProviderRequestsRepository, 'costSummary' | 'latencyPercentiles'>;
    quality: (window: { from: number; to: number }) => Promise<QualityAggregate[]>;
    now?: () => number;
  },
  options: { timeRange?: string; criteria?: Criteria; qualityThreshold?: number; latencyThresholdMs?: number } = {},
): Promise<ProviderAnalysis> {
  const criteria = options.criteria ?? { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 };
  const window = windowFor(options.timeRange ?? '7d', (deps.now ?? Date.now)());
  const [costs, latencies, qualities] = await Promise.all([
    deps.requests.costSummary({ ...window, groupBy: ['provider'] }),
    deps.requests.latencyPercentiles(window),
    deps.quality(window),
  ]);
  const latencyOf = new Map(latencies.map((row) => [row.provider, row]));
  const rows = costs
    .filter((row) => row.provider !== undefined && row.requests - row.cachedRequests > 0)
    .map((row) => {
      const provider = row.provider!;
      const scores = qualities.filter((entry) => entry.provider === provider);
      const qualitySamples = scores.reduce((sum, entry) => sum + entry.count, 0);
      const quality = qualitySamples > 0 ? scores.reduce((sum, entry) => sum + entry.averageComposite * entry.count, 0) / qualitySamples : undefined;
      const latency = latencyOf.get(provider);
      const successes = row.requests - row.errors;
      return {
        provider,
        requests: row.requests,
        errorRate: row.requests > 0 ? row.errors / row.requests : 0,
        availability: row.requests > 0 ? successes / row.requests : 0,
        latencyMeanMs: latency?.meanMs ?? 0,
        latencyP50Ms: latency?.p50 ?? 0,
        latencyP95Ms: latency?.p95 ?? 0,
        latencyP99Ms: latency?.p99 ?? 0,
        costPerRequestUsd: successes > 0 ? row.costUsd / successes : 0,
        totalCostUsd: row.costUsd,
        quality,
        qualitySamples,
        qualityByType: Object.fromEntries(scores.map((entry) => [entry.researchType, entry.averageComposite])),
      };
    });
  const scored = scoreCandidates(
    rows.map((row) => ({ provider: row.provider, latencyMs: row.latencyMeanMs, quality: row.quality ?? UNSCORED_QUALITY, costUsd: row.costPerRequestUsd, availability: row.availability })),
    criteria,
  );
  const ranked = rankByScore(scored);
  const providers = ranked.map((entry, index) => ({ ...rows.find((row) => row.provider === entry.provider)!, score: entry.score, terms: entry.terms, rank: index + 1 }));
  const notes: string[] = [];
  for (const row of providers) {
    if (row.quality === undefined) notes.push(`${row.provider}: no quality scores in the window; ranked with quality ${UNSCORED_QUALITY}`);
    else if (options.qualityThreshold !== undefined && row.quality < options.qualityThreshold) notes.push(`${row.provider}: quality ${row.quality.toFixed(3)} is below the threshold ${options.qualityThreshold}`);
    if (options.latencyThresholdMs !== undefined && row.latencyMeanMs > options.latencyThresholdMs) notes.push(`${row.provider}: mean latency ${Math.round(row.latencyMeanMs)} ms is above the threshold ${options.latencyThresholdMs} ms`);
    if (row.errorRate > 0.05) notes.push(`${row.provider}: ${(row.errorRate * 100).toFixed(1)} % of calls failed`);
  }
  return { window, criteria, providers, notes };
}
