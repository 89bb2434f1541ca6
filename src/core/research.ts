/** The research vocabulary shared by every layer. */

export const RESEARCH_TYPES = ['decision', 'implementation', 'troubleshooting', 'learning', 'validation'] as const;
export type ResearchType = (typeof RESEARCH_TYPES)[number];

export const AUDIENCES = ['beginner', 'intermediate', 'advanced'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const DOMAINS = [
  'rust',
  'web',
  'devops',
  'ai',
  'database',
  'systems',
  'security',
  'python',
  'general',
] as const;
export type Domain = (typeof DOMAINS)[number];

export const URGENCIES = ['immediate', 'planned', 'exploratory'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** One classified dimension: the winning label, a calibrated confidence 0–1, and why. */
export interface Dimension<T extends string> {
  value: T;
  confidence: number;
  /** Human-readable signals that decided it, e.g. `keyword:"how do i"`. */
  signals: string[];
}

export interface Classification {
  researchType: Dimension<ResearchType>;
  audience: Dimension<Audience>;
  domain: Dimension<Domain>;
  urgency: Dimension<Urgency>;
}

export interface QualityBreakdown {
  /** Composite score 0–1. */
  composite: number;
  /** Per-dimension scores 0–1, keyed by dimension name (relevance, completeness, …). */
  dimensions: Record<string, number>;
  /** Problems found, e.g. `refusal`, `unbalanced_code_fence`, `missing_section:Causes`. */
  issues: string[];
}

export interface ResearchRequest {
  query: string;
  /** Explicit research type; overrides the classifier. */
  type?: ResearchType;
  /** Force a provider by configured name. */
  provider?: string;
  qualityThreshold?: number;
  crossValidate?: boolean;
  /** Caller identity (API key name or CLI user) for accounting and cache namespacing. */
  user?: string;
  cache?: { bypass?: boolean; refresh?: boolean };
}

export type CacheOutcome = { kind: 'exact' | 'semantic'; similarity: number } | { kind: 'miss' | 'bypass' };

/** Milliseconds spent in each stage of the pipeline for one request. */
export interface StageTimings {
  classifyMs: number;
  cacheMs: number;
  providerMs: number;
  qualityMs: number;
  storeMs: number;
  totalMs: number;
}

/** One finished research answer, as stored in the reference library and returned to callers. */
export interface ResearchResult {
  id: string;
  createdAt: string;
  query: string;
  classification: Classification;
  /** Full answer, Markdown. */
  answer: string;
  /** `## ` sections of the answer by heading, in order. */
  sections: { heading: string; body: string }[];
  provider: string;
  model: string;
  /** True when the answer came from the built-in simulator, not a real LLM. */
  simulated: boolean;
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  quality: QualityBreakdown;
  cache: CacheOutcome;
  timings: StageTimings;
  /** Agreement between two providers, when cross-validation was asked for. */
  crossValidation?: { provider: string; agreement: number };
  /** Providers tried before the one that answered, with why they were left. */
  attempts?: { provider: string; outcome: string }[];
  slug: string;
  user?: string;
}

/** Events of a streamed research request (`stream: true`). */
export type ResearchStreamEvent =
  | { type: 'stage'; stage: 'classify' | 'cache' | 'provider' | 'evaluate' | 'store' }
  | { type: 'classification'; classification: Classification }
  | { type: 'text'; text: string }
  | { type: 'result'; result: ResearchResult };

/**
 * A stored answer served again: the stored result with this request's cache outcome and timings.
 * The result remembers the stored object it was served from (a non-enumerable property: spread,
 * JSON and deep equality do not see it), so `researchResultJson` can reuse that object's JSON.
 */
export function servedFromCache(stored: ResearchResult, cache: CacheOutcome, timings: StageTimings): ResearchResult {
  const served: ResearchResult = { ...stored, cache, timings };
  Object.defineProperty(served, SERVED_FROM, { value: stored });
  return served;
}

const SERVED_FROM = Symbol('fortitude.servedFrom');
/** JSON of a stored result without `cache` and `timings`, and without its closing brace. */
const storedJsonPrefix = new WeakMap<ResearchResult, string>();

/**
 * `JSON.stringify(result)`, except that a result served from the cache reuses the JSON of the
 * stored object it came from (computed once per stored object) and appends its own `cache` and
 * `timings`. Same value as `JSON.parse(JSON.stringify(result))`; `cache` and `timings` come last.
 */
export function researchResultJson(result: ResearchResult): string {
  const stored = (result as ResearchResult & { [SERVED_FROM]?: ResearchResult })[SERVED_FROM];
  if (stored === undefined) return JSON.stringify(result);
  let prefix = storedJsonPrefix.get(stored);
  if (prefix === undefined) {
    prefix = JSON.stringify({ ...stored, cache: undefined, timings: undefined }).slice(0, -1);
    storedJsonPrefix.set(stored, prefix);
  }
  return `${prefix}${prefix.length > 1 ? ',' : ''}"cache":${JSON.stringify(result.cache)},"timings":${JSON.stringify(result.timings)}}`;
}
