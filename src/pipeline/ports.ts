import type { ChatRequest, ChatResult, StreamPart } from '../core/chat.js';
import type { Classification, QualityBreakdown, ResearchResult, ResearchType } from '../core/research.js';
import type { ResearchPrompt } from './prompts/research-prompt.js';
import type { ProviderChain } from '../providers/fallback/provider-chain.js';
import type { Provider } from '../providers/provider.js';
import type { CancelSignal } from '../providers/cancel-signal.js';

/**
 * What the research pipeline needs from the world, each as a narrow port. The composition root
 * (`src/app/`) builds them from the classifier, caches, provider stack, storage and metrics.
 */

export interface Understanding {
  classify(query: string, options?: { type?: ResearchType }): Classification;
  buildPrompt(query: string, classification: Classification): ResearchPrompt;
  /** May answer from the `quality_evaluations` cache (hence possibly a promise). */
  evaluate(input: { query: string; answer: string; classification: Classification; finishReason?: string }): QualityBreakdown | Promise<QualityBreakdown>;
  agreement(answerA: string, answerB: string): number;
}

/** Cache context: a hit must match all of these exactly (namespaces never cross). */
export interface ResearchCacheContext {
  /** The classifier's guesses (or the caller's type): part of the exact key, never of the semantic partition. */
  researchType: ResearchType;
  audience: string;
  domain: string;
  /** Tenant / API key namespace. */
  namespace: string;
  /** The research type the caller asked for (`type`), which changes the right answer. */
  explicitResearchType?: ResearchType | undefined;
  /** The provider the caller pinned (`provider`): its answer only. */
  provider?: string | undefined;
}

export interface ResearchCache {
  lookup(query: string, context: ResearchCacheContext): Promise<{ kind: 'exact' | 'semantic'; similarity: number; result: ResearchResult } | undefined>;
  store(query: string, context: ResearchCacheContext, result: ResearchResult): Promise<void>;
}

export interface ProviderAnswer {
  result: ChatResult;
  provider: string;
  simulated: boolean;
  /** Providers tried before `provider`, with how each failed. */
  attempts: { provider: string; outcome: string }[];
}

export interface CallContext {
  signal?: CancelSignal | undefined;
  researchType?: ResearchType | undefined;
  user?: string | undefined;
  /** Urgent requests (urgency `immediate`) are never throttled by the budget. */
  urgent?: boolean | undefined;
  /**
   * The caller named the provider (research `provider`): it answers unless it fails; no hedge
   * starts another provider beside a try that is merely slower than usual.
   */
  pinned?: boolean | undefined;
}

export interface ProviderCaller {
  /**
   * Ordered candidate provider names for this request (best first), from the routing strategy.
   * `preferred` (the caller's `--provider`) goes first when it is configured; `simple` lets a
   * provider preferred for simple queries lead.
   */
  plan(researchType: ResearchType, preferred?: string, options?: { simple?: boolean }): string[];
  /** Calls the first healthy candidate, falling back along `order` on retryable failures. */
  call(order: string[], request: ChatRequest, options: CallContext): Promise<ProviderAnswer>;
  /** As `call`, streaming; fallback happens only before the first part. */
  stream(
    order: string[],
    request: ChatRequest,
    options: CallContext,
  ): Promise<{ provider: string; simulated: boolean; parts: AsyncIterable<StreamPart> }>;
  /** Feeds quality back to routing. */
  recordQuality(provider: string, researchType: ResearchType, score: number): void;
  /** Cost of a finished call, from reported usage; the provider prices a model no table lists at its kind's ceiling. */
  costOf(model: string, usage: { inputTokens: number; outputTokens: number }, provider?: string): number;
}

/** The configured providers as the provider call and the gateway see them. */
export interface ProviderCatalog {
  /** Enabled providers, in config order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The model a provider runs unless a request names another. */
  modelOf(name: string): string | undefined;
  /** The model a provider runs when `requested` is asked of it: `requested` if it serves it, else its default. */
  modelFor(name: string, requested: string): string;
  /** The provider whose configured or listed models include `model` (first in config order). */
  providerFor(model: string): string | undefined;
  /** Every model the providers serve, with its provider (`GET /v1/models`). */
  models(): readonly { id: string; provider: string; simulated: boolean }[];
  /** Providers with an embeddings endpoint, in config order. */
  embedders(): readonly Provider[];
  /** Ordered fallback over the providers. */
  readonly chain: ProviderChain;
}

export interface ResearchLibrary {
  /** Stores the result (database row, quality metrics, pattern, Markdown export). */
  save(result: ResearchResult): Promise<void>;
}

export interface PipelineTelemetry {
  qualityEvaluated?(researchType: ResearchType, durationMs: number, score: number): void;
  /** One research-answer cache lookup across every tier. */
  cacheLookup?(result: 'hit' | 'miss'): void;
}
