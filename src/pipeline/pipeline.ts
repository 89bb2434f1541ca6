import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ChatRequest, StreamPart } from '../core/chat.js';
import { FortitudeError } from '../core/errors.js';
import { withoutNul } from '../core/text-input.js';
import { MAX_QUERY_LENGTH, queryTooLong, servedFromCache, type Classification, type QualityBreakdown, type ResearchRequest, type ResearchResult, type ResearchStreamEvent, type StageTimings } from '../core/research.js';
import type { PipelineTelemetry, ProviderAnswer, ProviderCaller, ResearchCache, ResearchCacheContext, ResearchLibrary, Understanding } from './ports.js';
import { slugify, splitSections } from './stages/sections.js';
import { isSimpleQuery } from './classify/simple-query.js';

/**
 * The research pipeline, top to bottom: classify → cache → route → provider → quality → store.
 * Read this file first. Streams run the same stages; evaluation and storage run when the
 * stream ends.
 */

export interface PipelineDeps {
  understanding: Understanding;
  cache: ResearchCache;
  providers: ProviderCaller;
  library: ResearchLibrary;
  telemetry?: PipelineTelemetry;
  /** Default `quality_threshold` (research section of the config). */
  qualityThreshold: number;
  /** How many extra providers to try when an answer scores below the threshold. */
  maxQualityRetries: number;
}

export interface PipelineContext {
  signal?: AbortSignal;
  /** Called as each stage starts (CLI spinner, SSE `stage` events). */
  onStage?(stage: 'classify' | 'cache' | 'provider' | 'evaluate' | 'store'): void;
}

/** What the stages before a provider need: the classifier and the cache tiers. */
export type CacheStageDeps = Pick<PipelineDeps, 'cache' | 'telemetry'> & { understanding: Pick<Understanding, 'classify'> };

/** Whether a request may be answered from the cache at all. */
export function mayUseCache(request: ResearchRequest): boolean {
  return !request.cache?.bypass && !request.cache?.refresh && !request.provider && !request.crossValidate;
}

/** Classify, then the cache: the answer when the cache has one, else what the later stages need. */
async function classifyAndLookup(request: ResearchRequest, deps: CacheStageDeps, context: PipelineContext) {
  const started = performance.now();
  const timings: StageTimings = { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 0 };
  const query = validateQuery(request.query);

  context.onStage?.('classify');
  let mark = performance.now();
  const classification = deps.understanding.classify(query, request.type ? { type: request.type } : undefined);
  timings.classifyMs = performance.now() - mark;

  const cacheContext = cacheContextOf(classification, request);
  if (mayUseCache(request)) {
    context.onStage?.('cache');
    mark = performance.now();
    const hit = await deps.cache.lookup(query, cacheContext);
    timings.cacheMs = performance.now() - mark;
    deps.telemetry?.cacheLookup?.(hit ? 'hit' : 'miss');
    if (hit) {
      timings.totalMs = performance.now() - started;
      return { served: servedFromCache(hit.result, { kind: hit.kind, similarity: hit.similarity }, timings) } as const;
    }
  }
  return { served: undefined, started, timings, query, classification, cacheContext } as const;
}

/**
 * The stages before a provider only (classify, cache): the cached answer, exactly as
 * `runResearch` would serve it, or undefined when a provider must be asked. Lets a caller answer
 * from the cache without building the provider and routing stack (`fortitude research`).
 */
export async function answerFromCache(request: ResearchRequest, deps: CacheStageDeps, context: PipelineContext = {}): Promise<ResearchResult | undefined> {
  return (await classifyAndLookup(request, deps, context)).served;
}

export async function runResearch(request: ResearchRequest, deps: PipelineDeps, context: PipelineContext = {}): Promise<ResearchResult> {
  const looked = await classifyAndLookup(request, deps, context);
  if (looked.served) return looked.served;
  const { started, timings, query, classification, cacheContext } = looked;
  let mark: number;

  context.onStage?.('provider');
  const chatRequest = chatRequestFor(deps, query, classification, request);
  const threshold = request.qualityThreshold ?? deps.qualityThreshold;
  let order = deps.providers.plan(classification.researchType.value, request.provider, { simple: isSimpleQuery(query) });
  const callOptions = {
    signal: context.signal,
    researchType: classification.researchType.value,
    user: request.user,
    urgent: classification.urgency.value === 'immediate',
    pinned: Boolean(request.provider),
  };

  let best: { answer: ProviderAnswer; quality: QualityBreakdown } | undefined;
  const tried: { provider: string; outcome: string }[] = [];
  let lastError: unknown;
  for (let round = 0; round <= deps.maxQualityRetries && order.length > 0; round++) {
    mark = performance.now();
    let answer: ProviderAnswer;
    try {
      answer = await deps.providers.call(order, chatRequest, callOptions);
    } catch (error) {
      lastError = error;
      timings.providerMs += performance.now() - mark;
      break;
    }
    timings.providerMs += performance.now() - mark;
    tried.push(...answer.attempts);

    context.onStage?.('evaluate');
    mark = performance.now();
    const quality = await deps.understanding.evaluate({ query, answer: answer.result.text, classification, finishReason: answer.result.finishReason });
    const evaluationMs = performance.now() - mark;
    timings.qualityMs += evaluationMs;
    deps.telemetry?.qualityEvaluated?.(classification.researchType.value, evaluationMs, quality.composite);
    deps.providers.recordQuality(answer.provider, classification.researchType.value, quality.composite);

    if (!best || quality.composite > best.quality.composite) best = { answer, quality };
    if (quality.composite >= threshold) break;
    tried.push({ provider: answer.provider, outcome: `quality ${quality.composite.toFixed(2)} below ${threshold}` });
    order = order.filter((name) => name !== answer.provider && !answer.attempts.some((attempt) => attempt.provider === name));
  }
  if (!best) throw lastError ?? new FortitudeError('provider_unavailable', 'no provider is available for this request');

  let crossValidation: ResearchResult['crossValidation'];
  if (request.crossValidate) {
    const others = deps.providers.plan(classification.researchType.value).filter((name) => name !== best.answer.provider);
    if (others.length > 0) {
      mark = performance.now();
      const second = await deps.providers.call(others, chatRequest, callOptions);
      timings.providerMs += performance.now() - mark;
      crossValidation = { provider: second.provider, agreement: deps.understanding.agreement(best.answer.result.text, second.result.text) };
    }
  }

  const result = buildResult({ query, classification, best: best.answer, quality: best.quality, timings, tried, crossValidation, request, deps });
  context.onStage?.('store');
  mark = performance.now();
  await deps.library.save(result);
  if (!request.cache?.bypass) await deps.cache.store(query, cacheContext, result);
  timings.storeMs = performance.now() - mark;
  timings.totalMs = performance.now() - started;
  return result;
}

/**
 * Streaming variant: the same stages; text parts are forwarded as they arrive, and quality
 * evaluation and storage run when the stream has finished. No quality retry: the caller has
 * already seen the text.
 */
export async function* streamResearch(request: ResearchRequest, deps: PipelineDeps, context: PipelineContext = {}): AsyncGenerator<ResearchStreamEvent> {
  const started = performance.now();
  const timings: StageTimings = { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 0 };
  const query = validateQuery(request.query);

  yield { type: 'stage', stage: 'classify' };
  let mark = performance.now();
  const classification = deps.understanding.classify(query, request.type ? { type: request.type } : undefined);
  timings.classifyMs = performance.now() - mark;
  yield { type: 'classification', classification };

  const cacheContext = cacheContextOf(classification, request);
  if (!request.cache?.bypass && !request.cache?.refresh && !request.provider) {
    yield { type: 'stage', stage: 'cache' };
    mark = performance.now();
    const hit = await deps.cache.lookup(query, cacheContext);
    timings.cacheMs = performance.now() - mark;
    deps.telemetry?.cacheLookup?.(hit ? 'hit' : 'miss');
    if (hit) {
      yield { type: 'text', text: hit.result.answer };
      timings.totalMs = performance.now() - started;
      yield { type: 'result', result: servedFromCache(hit.result, { kind: hit.kind, similarity: hit.similarity }, timings) };
      return;
    }
  }

  yield { type: 'stage', stage: 'provider' };
  const chatRequest = chatRequestFor(deps, query, classification, request);
  mark = performance.now();
  const order = deps.providers.plan(classification.researchType.value, request.provider, { simple: isSimpleQuery(query) });
  const opened = await deps.providers.stream(order, chatRequest, {
    signal: context.signal,
    researchType: classification.researchType.value,
    user: request.user,
    urgent: classification.urgency.value === 'immediate',
    pinned: Boolean(request.provider),
  });
  let text = '';
  let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
  for await (const part of opened.parts) {
    if (part.type === 'text') {
      const piece = withoutNul(part.text);
      text += piece;
      yield { type: 'text', text: piece };
    } else if (part.type === 'finish') finish = part;
  }
  timings.providerMs = performance.now() - mark;
  if (!finish) throw new FortitudeError('provider_error', 'the provider stream ended without finishing');

  yield { type: 'stage', stage: 'evaluate' };
  mark = performance.now();
  const quality = await deps.understanding.evaluate({ query, answer: text, classification, finishReason: finish.finishReason });
  timings.qualityMs = performance.now() - mark;
  deps.telemetry?.qualityEvaluated?.(classification.researchType.value, timings.qualityMs, quality.composite);
  deps.providers.recordQuality(opened.provider, classification.researchType.value, quality.composite);

  const answer: ProviderAnswer = {
    provider: opened.provider,
    simulated: opened.simulated,
    attempts: [],
    result: { id: finish.id, model: finish.model, text, finishReason: finish.finishReason, usage: finish.usage },
  };
  const result = buildResult({ query, classification, best: answer, quality, timings, tried: [], crossValidation: undefined, request, deps });
  yield { type: 'stage', stage: 'store' };
  mark = performance.now();
  await deps.library.save(result);
  if (!request.cache?.bypass) await deps.cache.store(query, cacheContext, result);
  timings.storeMs = performance.now() - mark;
  timings.totalMs = performance.now() - started;
  yield { type: 'result', result };
}

/** The provider request for a research question: the type's prompt, the provider's default model. */
function chatRequestFor(deps: PipelineDeps, query: string, classification: Classification, request: ResearchRequest): ChatRequest {
  const prompt = deps.understanding.buildPrompt(query, classification);
  return {
    model: '',
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ],
    maxTokens: prompt.maxTokens,
    temperature: prompt.temperature,
    ...(request.user ? { user: request.user } : {}),
  };
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** The question checks every research request passes (also `fortitude cache eval`'s input). */
export function validateQuery(raw: string): string {
  const query = typeof raw === 'string' ? raw.trim() : '';
  if (!query) throw new FortitudeError('bad_request', 'query: must be a non-empty question', { details: { field: 'query' } });
  // `.`, `..`, `?!` normalise to the same empty cache key and would share one answer.
  if (!LETTER_OR_DIGIT.test(query))
    throw new FortitudeError('bad_request', 'query: must contain a question (at least one letter or digit), not only punctuation', { details: { field: 'query' } });
  if (query.length > MAX_QUERY_LENGTH)
    throw new FortitudeError('bad_request', `query: ${queryTooLong(query.length)}`, { details: { field: 'query' } });
  return query;
}

/** The context a question is cached under: what `cache eval` must reproduce to measure the server path. */
export function cacheContextOf(classification: Classification, request: Pick<ResearchRequest, 'user' | 'type' | 'provider'>): ResearchCacheContext {
  return {
    researchType: classification.researchType.value,
    audience: classification.audience.value,
    domain: classification.domain.value,
    namespace: request.user ?? 'default',
    ...(request.type ? { explicitResearchType: request.type } : {}),
    ...(request.provider ? { provider: request.provider } : {}),
  };
}

function buildResult(input: {
  query: string;
  classification: Classification;
  best: ProviderAnswer;
  quality: QualityBreakdown;
  timings: StageTimings;
  tried: { provider: string; outcome: string }[];
  crossValidation: ResearchResult['crossValidation'];
  request: ResearchRequest;
  deps: PipelineDeps;
}): ResearchResult {
  const { best } = input;
  const id = randomUUID();
  const answer = withoutNul(best.result.text);
  return {
    id,
    createdAt: new Date().toISOString(),
    query: input.query,
    classification: input.classification,
    answer,
    sections: splitSections(answer),
    provider: best.provider,
    model: best.result.model,
    simulated: best.simulated,
    usage: best.result.usage,
    costUsd: input.deps.providers.costOf(best.result.model, best.result.usage, best.provider),
    quality: input.quality,
    cache: input.request.cache?.bypass ? { kind: 'bypass' } : { kind: 'miss' },
    timings: input.timings,
    ...(input.crossValidation ? { crossValidation: input.crossValidation } : {}),
    ...(input.tried.length > 0 ? { attempts: input.tried } : {}),
    slug: `${slugify(input.query)}-${id.slice(0, 8)}`,
    ...(input.request.user ? { user: input.request.user } : {}),
  };
}
