import { analyzeCosts, costTrends } from '../pipeline/budget/analysis/cost-analysis.js';
import { costReport } from '../pipeline/budget/analysis/cost-report.js';
import { modelQuality } from '../pipeline/budget/analysis/model-quality.js';
import { applyOptimizations, recommendOptimizations } from '../pipeline/budget/analysis/optimizations.js';
import {
  renderAppliedOptimizations,
  renderCostAnalysis,
  renderCostTrends,
  renderOptimizationPlan,
  renderProviderAnalysis,
} from '../pipeline/budget/analysis/render.js';
import { renderLearningStatus } from '../pipeline/routing/learning-render.js';
import { analyzeProviders } from '../pipeline/routing/provider-analysis.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import type { OperatorServices } from '../interface/cli/cli-services.js';
import type { Routing } from './build-routing.js';
import type { FortitudeConfig } from './config/schema.js';

/** `fortitude costs …`, `benchmark analyze-providers`, `learning status` over the recorded requests. */
export function createOperatorServices(config: FortitudeConfig, storage: Storage, routing: Routing): OperatorServices {
  const requests = storage.providerRequests;
  const quality = (window: { from: number; to: number }) => storage.qualityMetrics.aggregate(window);
  const optimizationDeps = { requests, quality, modelQuality: (window: { from: number; to: number }) => modelQuality(storage.db, window), prices: routing.prices };
  return {
    costsAnalyze: async (options) => renderCostAnalysis(await analyzeCosts({ requests }, options), options.format),
    costsOptimize: async (options) => renderOptimizationPlan(await recommendOptimizations(optimizationDeps, options), options.format),
    async costsApply(options) {
      const plan = await recommendOptimizations(optimizationDeps, options);
      const applied = await applyOptimizations(plan.recommendations, { autoApprove: options.autoApprove }, { learning: storage.learning });
      if (options.autoApprove) routing.router.applyChanges(applied.changes);
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
            criteria: config.selection_strategy.criteria,
            qualityThreshold: config.selection_strategy.quality_threshold,
            latencyThresholdMs: config.selection_strategy.latency_threshold,
          },
        ),
        options.format,
      ),
    learningStatus: async (options) => renderLearningStatus(await routing.router.learningStatus({ historyLimit: 20 }), options.format),
  };
}
