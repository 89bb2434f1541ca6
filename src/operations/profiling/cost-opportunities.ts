import type { MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';

/**
 * The seed's "Cost Optimization Opportunities": from the rolling window, providers that cost
 * clearly more per request than another provider of about the same measured quality, with what
 * moving their traffic would have saved over the window.
 */

export interface CostOpportunity {
  /** The dearer provider. */
  from: string;
  /** The cheaper provider of similar quality. */
  to: string;
  fromCostPerRequest: number;
  toCostPerRequest: number;
  /** Quality (0–1) of each, null when unscored. */
  fromQuality: number | null;
  toQuality: number | null;
  /** What `from`'s calls in the window would have cost less at `to`'s price, USD. */
  windowSavingUsd: number;
  /** The same per 1,000 requests, USD. */
  savingPer1000Usd: number;
  summary: string;
}

export interface CostOpportunityOptions {
  /** Least calls behind a provider's figures (default 5). */
  minCalls?: number;
  /** Quality the cheaper provider may lose and still count as similar (default 0.05). */
  qualityTolerance?: number;
  /** Cost ratio from which a difference is worth a line (default 1.5). */
  minRatio?: number;
}

export function findCostOpportunities(snapshot: Pick<MetricsSnapshot, 'providers'>, options: CostOpportunityOptions = {}): CostOpportunity[] {
  const minCalls = options.minCalls ?? 5;
  const tolerance = options.qualityTolerance ?? 0.05;
  const minRatio = options.minRatio ?? 1.5;
  const providers = Object.entries(snapshot.providers)
    .filter(([, summary]) => summary.calls - summary.failures >= minCalls && summary.costPerRequest !== null && summary.costPerRequest > 0)
    .map(([name, summary]) => ({ name, cost: summary.costPerRequest!, quality: summary.quality.avg, calls: summary.calls }));
  const found: CostOpportunity[] = [];
  for (const dear of providers) {
    const candidates = providers.filter(
      (cheap) =>
        cheap.name !== dear.name &&
        dear.cost >= cheap.cost * minRatio &&
        (dear.quality === null || cheap.quality === null || cheap.quality >= dear.quality - tolerance),
    );
    const best = candidates.sort((a, b) => a.cost - b.cost)[0];
    if (!best) continue;
    const perRequest = dear.cost - best.cost;
    found.push({
      from: dear.name,
      to: best.name,
      fromCostPerRequest: dear.cost,
      toCostPerRequest: best.cost,
      fromQuality: dear.quality,
      toQuality: best.quality,
      windowSavingUsd: perRequest * dear.calls,
      savingPer1000Usd: perRequest * 1000,
      summary:
        `${dear.name} costs ${(dear.cost / best.cost).toFixed(1)}× ${best.name} per request` +
        (dear.quality !== null && best.quality !== null ? ` at similar quality (${dear.quality.toFixed(2)} vs ${best.quality.toFixed(2)})` : '') +
        `: moving its traffic saves about $${(perRequest * 1000).toFixed(4)} per 1,000 requests`,
    });
  }
  return found.sort((a, b) => b.windowSavingUsd - a.windowSavingUsd);
}
