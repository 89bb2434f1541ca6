import { analyzeCosts, costTrends } from './budget/analysis/cost-analysis.js';
import { costReport } from './budget/analysis/cost-report.js';
import { modelQuality } from './budget/analysis/model-quality.js';
import { applyOptimizations, recommendOptimizations } from './budget/analysis/optimizations.js';
import {
  renderAppliedOptimizations,
  renderCostAnalysis,
  renderCostTrends,
  renderOptimizationPlan,
  renderProviderAnalysis,
} from './budget/analysis/render.js';
import { renderLearningStatus } from './routing/learning-render.js';
import { analyzeProviders } from './routing/provider-analysis.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import type { PriceResolver } from './budget/price-resolver.js';
import type { OperatorReports } from './fortitude.js';
import type { Router } from './routing/router.js';
import type { Criteria } from './routing/scoring.js';

export interface OperatorReportOptions {
  /** `selection_strategy.criteria`: the weights provider analysis scores with. */
  criteria: Criteria;
  qualityThreshold: number;
  latencyThresholdMs: number;
}

/**
 * `fortitude costs …`, `benchmark analyze-providers`, `learning status` over the recorded requests.
 * USD amounts are rounded where the reports are written (`renderJson`, `renderCsv`), so a CSV or
 * JSON shows `0.0001986`, not a sum's `0.00019860000000000003`; the totals are computed unrounded.
 */
export function createOperatorReports(settings: OperatorReportOptions, deps: { storage: Storage; router: Pick<Router, 'applyChanges' | 'learningStatus'>; prices: PriceResolver }): OperatorReports {
  const { storage, router } = deps;
  const requests = storage.providerRequests;
  const quality = (window: { from: number; to: number }) => storage.qualityMetrics.aggregate(window);
  const optimizationDeps = { requests, quality, modelQuality: (window: { from: number; to: number }) => modelQuality(storage.db, window), prices: deps.prices };
  return {
    costsAnalyze: async (options) => renderCostAnalysis(await analyzeCosts({ requests }, options), options.format),
    costsOptimize: async (options) => renderOptimizationPlan(await recommendOptimizations(optimizationDeps, options), options.format),
    async costsApply(options) {
      const plan = await recommendOptimizations(optimizationDeps, options);
      const applied = await applyOptimizations(plan.recommendations, { autoApprove: options.autoApprove }, { learning: storage.learning });
      // A server applies the changes to every worker (options.applyChanges); without one, this process's router.
      if (options.autoApprove) await (options.applyChanges ? options.applyChanges(applied.changes) : router.applyChanges(applied.changes));
      return renderAppliedOptimizations(applied, options.format);
    },
    costsTrends: async (options) => renderCostTrends(await costTrends({ requests }, options), options.format),
    costsReport: (options) => costReport({ requests }, options),
    analyzeProviders: async (options) =>
      renderProviderAnalysis(
        await analyzeProviders(
          { requests, quality },
          {
            timeRange: options.timeRange,
            criteria: settings.criteria,
            qualityThreshold: settings.qualityThreshold,
            latencyThresholdMs: settings.latencyThresholdMs,
          },
        ),
        options.format,
      ),
    learningStatus: async (options) => renderLearningStatus(await router.learningStatus({ historyLimit: 20 }), options.format),
  };
}
