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
