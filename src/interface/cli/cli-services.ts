import type { Classification, ResearchRequest, ResearchResult, ResearchType } from '../../core/research.js';

/** A stored result as listed (no full answer). */
export interface LibraryItem {
  id: string;
  createdAt: number;
  query: string;
  researchType: ResearchType;
  provider: string;
  model: string;
  qualityComposite: number | null;
  costUsd: number;
  slug: string | null;
  score?: number;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  rateLimitPerMinute: number;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/**
 * What CLI commands (and the HTTP and MCP interfaces) ask of a running Fortitude. Implemented by
 * the composition root; every call may throw a FortitudeError.
 */
export interface ResearchServices {
  research(request: ResearchRequest, options?: { signal?: AbortSignal; onStage?: (stage: string) => void }): Promise<ResearchResult>;
  classify(query: string, type?: ResearchType): Classification;
  getResult(idOrSlug: string): Promise<ResearchResult | undefined>;
  listResults(options: { type?: ResearchType; limit: number; offset: number }): Promise<{ items: LibraryItem[]; total: number }>;
  searchResults(options: { q: string; type?: ResearchType; limit: number; offset: number }): Promise<{ items: LibraryItem[]; total: number }>;
  submitFeedback(input: { resultId: string; rating: number; comment?: string; user?: string }): Promise<{ id: string }>;
  providerStatus(): Promise<unknown[]>;
  cacheStats(): Promise<unknown>;
  clearCache(): Promise<unknown>;
  /** One cache-warming run now (popular and recent patterns; bounded in count and cost). */
  warmCache(): Promise<unknown>;
  createApiKey(input: { name: string; scopes: string[]; rateLimitPerMinute?: number }): Promise<{ key: string; record: ApiKeyView }>;
  listApiKeys(): Promise<ApiKeyView[]>;
  revokeApiKey(nameOrId: string): Promise<boolean>;
  readonly operator: OperatorServices;
  /** True when at least one provider talks to the built-in simulator. */
  readonly simulatedProviders: string[];
  close(): Promise<void>;
}

export type ReportFormat = 'table' | 'csv' | 'json';

/** Operator reports over recorded requests (costs, routing, learning); each returns rendered text. */
export interface OperatorServices {
  costsAnalyze(options: { timeRange: string; breakdown: string; format: ReportFormat }): Promise<string>;
  costsOptimize(options: { timeRange: string; targetReduction: number; maintainQuality: number; format: ReportFormat }): Promise<string>;
  costsApply(options: { timeRange: string; targetReduction: number; maintainQuality: number; autoApprove: boolean; format: ReportFormat }): Promise<string>;
  costsTrends(options: { timeRange: string; alertThreshold: number; format: ReportFormat }): Promise<string>;
  costsReport(options: { timeRange: string; format: ReportFormat }): Promise<string>;
  analyzeProviders(options: { timeRange: string; format: ReportFormat }): Promise<string>;
  learningStatus(options: { format: ReportFormat }): Promise<string>;
}
