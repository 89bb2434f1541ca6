import type { Readable } from 'node:stream';
import type { Classification, ResearchRequest, ResearchResult, ResearchStreamEvent, ResearchType } from '../core/research.js';
import type { ReportFormat } from './budget/analysis/render.js';
import type { Gateway } from './gateway.js';
import type { RouteChange } from './routing/router.js';
import type { StoredResponses } from './stored-responses.js';

/**
 * What a running Fortitude offers its interfaces: one facade, built by the composition root
 * (`src/app/composition.ts`) over the pipeline, the gateway, storage and caches. Each interface
 * takes the part it uses (`HttpServices`, `McpServices`, the CLI's commands), so a test double
 * implements only that part. Methods throw `FortitudeError` (core/errors.ts) for expected
 * failures; each interface maps the code in one table.
 */
export interface Fortitude extends Gateway {
  // — research —
  /** classify → cache → route → provider → quality → store. */
  research(request: ResearchRequest, context?: ResearchContext): Promise<ResearchResult>;
  /** The same pipeline as events; the last one is `result`. Close the iterator when done. */
  researchStream(request: ResearchRequest, context?: ResearchContext): AsyncIterable<ResearchStreamEvent>;
  classify(query: string, type?: ResearchType): Classification;

  // — the reference library —
  // A stored result belongs to the API key that asked for it. With `research.library_visibility:
  // per_key` (the default) a `caller` without the admin scope sees only its own results: another
  // key's result is "not found", exactly as if it did not exist. No caller (auth off, the CLI) and
  // admin keys see every result; `shared` shows every result to every research key.
  /** By id, unambiguous id prefix or slug; undefined when there is none (or the caller may not see it). */
  getResult(idOrSlug: string, caller?: Caller): Promise<ResearchResult | undefined>;
  /** Newest first. */
  listResults(options: { type?: ResearchType; limit: number; offset: number; caller?: Caller | undefined }): Promise<LibraryPage>;
  /** Full text over question and answer, best first. */
  searchResults(options: { q: string; type?: ResearchType; limit: number; offset: number; caller?: Caller | undefined }): Promise<LibraryPage>;
  /** A rating (1–5) of a stored result; throws `not_found` when it does not exist or the caller may not see it. */
  /** `resultId`: the rated result's full id (the input may name it by an id prefix or its slug). */
  submitFeedback(input: FeedbackInput): Promise<{ id: string; resultId: string }>;

  // — the Responses API's stored responses (per API key, durable, expiring) —
  readonly storedResponses: StoredResponses;

  // — live state —
  /** JSON-serialisable status of every configured provider (health, breaker, latency, limits). */
  providerStatus(): Promise<unknown[]>;
  /** Hit/miss counts per cache level and strategy. */
  cacheStats(): Promise<unknown>;
  clearCache(): Promise<unknown>;
  /** One cache-warming run now (popular and recent patterns; bounded in count and cost). */
  warmCache(): Promise<unknown>;
  /** Database, Redis, providers; `ok` is false only when this process cannot serve. */
  readiness(): Promise<Readiness>;
  /** Providers answered by the built-in simulator (no API key). */
  readonly simulatedProviders: readonly string[];

  // — API keys —
  createApiKey(input: { name: string; scopes: string[]; rateLimitPerMinute?: number }): Promise<{ key: string; record: ApiKeyView }>;
  listApiKeys(): Promise<ApiKeyView[]>;
  revokeApiKey(nameOrId: string): Promise<boolean>;
  /** Undefined when unknown or revoked. Answers from memory for recently seen keys (revocation applies within 30 s). */
  verifyApiKey(raw: string): Promise<ApiKeyIdentity | undefined>;

  // — reports over recorded requests —
  readonly operator: OperatorReports;

  // — observability of the serving process —
  // `serve` provides these over its metrics window, alert engine and profiler
  // (`interface/dashboard/observability-services.ts`); the application alone answers each with
  // `not_implemented`. Answers are JSON documents, typed where they are built (operations/).
  /** The dashboard's data over the last `spanMs`. */
  dashboardSnapshot(options: { spanMs: number }): Promise<unknown>;
  /** The SLA alerts in force and their history; null when this server runs no alert engine. */
  alerts(): Promise<unknown>;
  /** Bottlenecks over the last `durationMs`, of one component (`operations/profiling/performance-analysis.ts`) or all. */
  performanceAnalysis(options: { durationMs: number; component?: string }): Promise<unknown>;
  /** The performance report over the last `rangeMs`. */
  performanceReport(options: { rangeMs: number }): Promise<unknown>;
  /** An on-demand profile of this process: `kind` and the options of each in `operations/profiling/profiling-service.ts`. */
  profile(kind: string, request: { durationMs: number; signal?: AbortSignal }): Promise<unknown>;
  /** A heap snapshot of this process, scrubbed of secrets as it streams (off unless configured). */
  heapSnapshot(): Readable;

  close(): Promise<void>;
}

/** How a research call may be observed or cancelled by its caller. */
export interface ResearchContext {
  /** Aborted when the caller goes away; read only when a provider is actually called. */
  readonly signal?: AbortSignal | undefined;
  /** Called as the pipeline enters each stage (`classify`, `cache`, `provider`, `evaluate`, `store`). */
  onStage?: ((stage: string) => void) | undefined;
}

/** One stored result as listed (no answer text). */
export interface LibraryItem {
  id: string;
  /** Unix epoch milliseconds. */
  createdAt: number;
  query: string;
  researchType: ResearchType;
  provider: string;
  model: string;
  /** Composite quality 0–1, null when the result was not scored. */
  qualityComposite: number | null;
  costUsd: number;
  slug: string | null;
  /** Search relevance, when the page comes from a search. */
  score?: number;
}

export interface LibraryPage {
  items: LibraryItem[];
  /** All matches, not just this page. */
  total: number;
}

export interface FeedbackInput {
  resultId: string;
  /** 1–5. */
  rating: number;
  comment?: string;
  /** API key name, when known. */
  user?: string;
  /** Who rates: only results they may see can be rated (see the library above). */
  caller?: Caller | undefined;
}

export interface ReadinessCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, ReadinessCheck>;
}

export type Scope = 'research' | 'gateway' | 'admin';

/** Who is asking, when the interface knows (a verified API key): decides which stored results exist for them. */
export type Caller = Pick<ApiKeyIdentity, 'name' | 'scopes'>;

/** What a verified API key may do. `admin` implies every other scope. */
export interface ApiKeyIdentity {
  /** Key name (`fortitude keys create --name`); the caller's user and rate-limit bucket. */
  name: string;
  scopes: readonly Scope[];
  /** Requests per minute for this key. */
  rateLimitPerMinute?: number;
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

export type { ReportFormat };

/** Operator reports over recorded requests (costs, routing, learning); each returns rendered text. */
export interface OperatorReports {
  costsAnalyze(options: { timeRange: string; breakdown: string; format: ReportFormat }): Promise<string>;
  costsOptimize(options: { timeRange: string; targetReduction: number; maintainQuality: number; format: ReportFormat }): Promise<string>;
  /** With `autoApprove`, the changes go to `applyChanges` (a server: every worker) or else to this process's router. */
  costsApply(options: {
    timeRange: string;
    targetReduction: number;
    maintainQuality: number;
    autoApprove: boolean;
    format: ReportFormat;
    applyChanges?: (changes: readonly RouteChange[]) => Promise<void>;
  }): Promise<string>;
  costsTrends(options: { timeRange: string; alertThreshold: number; format: ReportFormat }): Promise<string>;
  costsReport(options: { timeRange: string; format: ReportFormat }): Promise<string>;
  analyzeProviders(options: { timeRange: string; format: ReportFormat }): Promise<string>;
  learningStatus(options: { format: ReportFormat }): Promise<string>;
}

/** What only a serving process has (the HTTP API's observability routes answer 501 without it). */
export type ServerObservability = Pick<Fortitude, 'dashboardSnapshot' | 'alerts' | 'performanceAnalysis' | 'performanceReport' | 'profile' | 'heapSnapshot'>;

// What CLI commands open without a server: each only what it uses (src/app/stored-services.ts),
// never the providers, the simulator, the caches or the request path.

/** `keys`, `list`, `show`, `search`: the database. */
export type StoredData = Pick<Fortitude, 'getResult' | 'listResults' | 'searchResults' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'close'>;
/** `costs …`, `benchmark analyze-providers`, `learning status`: the recorded requests, the prices and (for learning) the learned routing state. */
export type StoredReports = Pick<Fortitude, 'operator' | 'close'>;
/** `feedback`: the database and the learned routing state the rating feeds. */
export type StoredFeedback = Pick<Fortitude, 'getResult' | 'submitFeedback' | 'close'>;
/** `providers status`: the configured providers over the shared breaker and rate-limit state. */
export type StoredProviderStatus = Pick<Fortitude, 'providerStatus' | 'close'>;
