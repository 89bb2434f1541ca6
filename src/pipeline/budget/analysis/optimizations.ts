import type { QualityAggregate } from '../../../infrastructure/storage/repositories/quality-metrics.js';
import type { LearningSink } from '../../routing/adaptations.js';
import type { RouteChange } from '../../routing/router.js';
import type { PriceResolver } from '../price-resolver.js';
import type { CostsSource } from './cost-analysis.js';
import type { ModelQuality } from './model-quality.js';
import { windowFor } from './time-range.js';

export interface Recommendation {
  kind: 'route' | 'switch_model';
  researchType: string;
  /** Where the traffic goes now. */
  from: { provider: string; model: string };
  /** Where it would go. */
  to: { provider: string; model: string };
  requests: number;
  currentCostUsd: number;
  projectedCostUsd: number;
  projectedSavingsUsd: number;
  /** Measured quality of `to` for this research type minus that of `from` (negative: worse). */
  qualityImpact: number;
  fromQuality: number | undefined;
  toQuality: number;
  /** From the number of quality scores behind `toQuality`, 0–1. */
  confidence: number;
  description: string;
}

export interface OptimizationPlan {
  window: { from: number; to: number };
  totalCostUsd: number;
  targetReduction: number;
  targetSavingsUsd: number;
  projectedSavingsUsd: number;
  /** Projected savings ÷ total cost. */
  projectedReduction: number;
  meetsTarget: boolean;
  recommendations: Recommendation[];
}

export interface OptimizationDeps {
  requests: CostsSource;
  /** Quality per provider × research type (`storage.qualityMetrics.aggregate`). */
  quality: (window: { from: number; to: number }) => Promise<QualityAggregate[]>;
  /** Quality per provider × model × research type (`modelQuality(storage.db, window)`); enables model switches. */
  modelQuality?: (window: { from: number; to: number }) => Promise<ModelQuality[]>;
  prices: PriceResolver;
  now?: () => number;
}

export interface OptimizeOptions {
  /** Wanted cost reduction, 0–1 (`--target-reduction 0.2`). */
  targetReduction: number;
  /** Least measured quality a destination must have for the research type (`--maintain-quality 0.85`). */
  maintainQuality: number;
  timeRange?: string;
  /** Fewest quality scores behind a destination's quality (default 5). */
  minQualitySamples?: number;
}

/**
 * `fortitude costs optimize`: for each research type, moves traffic to a cheaper provider (or a
 * provider's cheaper model) whose measured quality for that type is at least `maintainQuality`.
 * The projected cost prices the same tokens at the destination's model; recommendations are
 * taken greedily, largest saving first, until the target is met.
 */
export async function recommendOptimizations(deps: OptimizationDeps, options: OptimizeOptions): Promise<OptimizationPlan> {
  const window = windowFor(options.timeRange ?? '30d', (deps.now ?? Date.now)());
  const minSamples = options.minQualitySamples ?? 5;
  const [total] = await deps.requests.costSummary({ ...window, groupBy: [] });
  const totalCostUsd = total?.costUsd ?? 0;
  const traffic = await deps.requests.costSummary({ ...window, groupBy: ['provider', 'model', 'researchType'] });
  const byProviderModel = await deps.requests.costSummary({ ...window, groupBy: ['provider', 'model'] });
  const quality = new Map((await deps.quality(window)).map((row) => [`${row.provider}|${row.researchType}`, row]));
  const models = deps.modelQuality ? await deps.modelQuality(window) : [];

  // Each provider's most used model: what its traffic would run on.
  const mainModel = new Map<string, string>();
  for (const row of byProviderModel) if (row.provider && row.model && !mainModel.has(row.provider)) mainModel.set(row.provider, row.model);
  const confidence = (count: number) => count / (count + minSamples);

  const candidates: Recommendation[] = [];
  for (const row of traffic) {
    if (!row.provider || !row.model || !row.researchType || row.costUsd <= 0) continue;
    const usage = { inputTokens: row.inputTokens, outputTokens: row.outputTokens };
    const fromQuality = quality.get(`${row.provider}|${row.researchType}`)?.averageComposite;
    const choices: Recommendation[] = [];
    for (const [key, measured] of quality) {
      const [provider] = key.split('|');
      if (provider === undefined || provider === row.provider || measured.researchType !== row.researchType) continue;
      if (measured.count < minSamples || measured.averageComposite < options.maintainQuality) continue;
      const model = mainModel.get(provider);
      if (model === undefined || deps.prices.priceOf(model, provider) === undefined) continue;
      choices.push(recommendation('route', row, { provider, model }, deps.prices.costOf(model, usage, provider), fromQuality, measured.averageComposite, confidence(measured.count)));
    }
    for (const measured of models) {
      if (measured.provider !== row.provider || measured.model === row.model || measured.researchType !== row.researchType) continue;
      if (measured.count < minSamples || measured.averageComposite < options.maintainQuality) continue;
      if (deps.prices.priceOf(measured.model, measured.provider) === undefined) continue;
      const projected = deps.prices.costOf(measured.model, usage, measured.provider);
      choices.push(recommendation('switch_model', row, { provider: row.provider, model: measured.model }, projected, fromQuality, measured.averageComposite, confidence(measured.count)));
    }
    // One recommendation per slice of traffic: the largest saving.
    const best = choices.filter((entry) => entry.projectedSavingsUsd > 0).sort((a, b) => b.projectedSavingsUsd - a.projectedSavingsUsd)[0];
    if (best) candidates.push(best);
  }

  candidates.sort((a, b) => b.projectedSavingsUsd - a.projectedSavingsUsd);
  const targetSavingsUsd = totalCostUsd * options.targetReduction;
  const chosen: Recommendation[] = [];
  let projectedSavingsUsd = 0;
  for (const candidate of candidates) {
    if (projectedSavingsUsd >= targetSavingsUsd && chosen.length > 0) break;
    chosen.push(candidate);
    projectedSavingsUsd += candidate.projectedSavingsUsd;
  }
  return {
    window,
    totalCostUsd,
    targetReduction: options.targetReduction,
    targetSavingsUsd,
    projectedSavingsUsd,
    projectedReduction: totalCostUsd > 0 ? projectedSavingsUsd / totalCostUsd : 0,
    meetsTarget: projectedSavingsUsd >= targetSavingsUsd,
    recommendations: chosen,
  };
}

function recommendation(
  kind: Recommendation['kind'],
  row: { provider?: string; model?: string; researchType?: string | null; requests: number; costUsd: number },
  to: { provider: string; model: string },
  projectedCostUsd: number,
  fromQuality: number | undefined,
  toQuality: number,
  confidence: number,
): Recommendation {
  const from = { provider: row.provider!, model: row.model! };
  const researchType = row.researchType!;
  const savings = row.costUsd - projectedCostUsd;
  const impact = fromQuality === undefined ? 0 : toQuality - fromQuality;
  const target = kind === 'route' ? `${to.provider} (${to.model})` : `model ${to.model}`;
  return {
    kind,
    researchType,
    from,
    to,
    requests: row.requests,
    currentCostUsd: row.costUsd,
    projectedCostUsd,
    projectedSavingsUsd: savings,
    qualityImpact: impact,
    fromQuality,
    toQuality,
    confidence,
    description: `${researchType}: ${from.provider} (${from.model}) → ${target}: saves ${savings.toFixed(4)} USD (${row.costUsd > 0 ? ((savings / row.costUsd) * 100).toFixed(0) : 0} %), quality ${toQuality.toFixed(3)}${fromQuality === undefined ? '' : ` (${impact >= 0 ? '+' : ''}${impact.toFixed(3)})`}`,
  };
}

export interface AppliedOptimizations {
  /** Changes for the live router (`router.applyChanges`) and config. */
  changes: RouteChange[];
  /** True when applied now (`--auto-approve true`); false when recorded as pending approval. */
  applied: boolean;
  /** Rows written to `learning_data`. */
  recorded: number;
}

/**
 * `fortitude costs apply-optimizations --auto-approve false|true`: turns recommendations into
 * router changes and records each in `learning_data` (outcome `applied`, or null while pending).
 */
export async function applyOptimizations(
  recommendations: readonly Recommendation[],
  options: { autoApprove: boolean },
  deps: { learning?: LearningSink; now?: () => number } = {},
): Promise<AppliedOptimizations> {
  const changes: RouteChange[] = recommendations.map((entry) =>
    entry.kind === 'route'
      ? { kind: 'prefer_provider', researchType: entry.researchType, provider: entry.to.provider, instead: entry.from.provider }
      : { kind: 'use_model', provider: entry.to.provider, researchType: entry.researchType, model: entry.to.model },
  );
  let recorded = 0;
  for (const entry of recommendations) {
    if (!deps.learning) break;
    await deps.learning.insert({
      learningType: 'cost_optimization',
      subject: `${entry.researchType}:${entry.from.provider}`,
      before: entry.from,
      after: { ...entry.to, projectedSavingsUsd: entry.projectedSavingsUsd, qualityImpact: entry.qualityImpact },
      confidenceScore: entry.confidence,
      outcome: options.autoApprove ? 'applied' : null,
      createdAt: (deps.now ?? Date.now)(),
    });
    recorded += 1;
  }
  return { changes, applied: options.autoApprove, recorded };
}
