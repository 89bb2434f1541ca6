/**
 * The rolling window's keys, in one place: recorders write them (`create-metrics.ts`), the
 * summary reads them (`window-summary.ts`). Labelled keys are `name:label`; names never contain
 * a colon, labels may.
 */
export const KEY = {
  apiRequests: 'api.requests',
  /** 5xx responses: they count against availability and the error-rate SLA. */
  apiErrors: 'api.errors',
  /** 4xx responses: the caller's mistake, reported but not an SLA breach. */
  apiClientErrors: 'api.client_errors',
  apiLatency: 'api.latency',
  providerLatencyAll: 'provider.latency',
  providerLatency: 'provider.latency',
  providerCalls: 'provider.calls',
  providerFailures: 'provider.failures',
  providerCostUsd: 'provider.cost_usd',
  providerInputTokens: 'provider.input_tokens',
  providerOutputTokens: 'provider.output_tokens',
  providerRateLimited: 'provider.rate_limited',
  providerQualitySum: 'provider.quality_sum',
  providerQualityCount: 'provider.quality_count',
  qualityLatency: 'quality.latency',
  qualityScoreSum: 'quality.score_sum',
  qualityScoreCount: 'quality.score_count',
  qualityTypeSum: 'quality.type_sum',
  qualityTypeCount: 'quality.type_count',
  cacheLevelHit: 'cache.level_hit',
  cacheLevelMiss: 'cache.level_miss',
  /** Whole lookups (all levels), labelled by strategy. */
  cacheLookupHit: 'cache.lookup_hit',
  cacheLookupMiss: 'cache.lookup_miss',
  learningAdaptation: 'learning.adaptation',
  learningPattern: 'learning.pattern',
  learningFeedback: 'learning.feedback',
} as const;

export function labelled(name: string, label: string): string {
  return `${name}:${label}`;
}

/** `provider.calls:openai` → `['provider.calls', 'openai']`; unlabelled keys give `[key, undefined]`. */
export function splitKey(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}
