import { createHash } from 'node:crypto';
import type { ChatRequest } from '../../core/chat.js';

/**
 * Cache keys: `<strategy prefix>:v1:<tenant namespace>:<hash>`. The prefix keeps each
 * strategy's entries apart (and clearable by namespace); the tenant namespace keeps one API
 * key's answers away from another's; the hash covers everything that changes the answer.
 */

export type CacheKeyStrategy = 'exact' | 'semantic_hash';

/** Bump when the key layout or normalisation changes, so old entries stop matching. */
export const CACHE_KEY_VERSION = 'v1';
/** Hex digits of sha256 kept in a key: 128 bits. */
export const KEY_HASH_LENGTH = 32;

export type KeyParameter = string | number | boolean | null | undefined | readonly string[];

export interface QueryKeyContext {
  query: string;
  researchType?: string | undefined;
  audience?: string | undefined;
  domain?: string | undefined;
  model?: string | undefined;
  /** Parameters that change the answer: temperature, max tokens, top-p, provider, prompt version. */
  parameters?: Record<string, KeyParameter> | undefined;
  /** Caller identity (API key name, user); answers are never shared across tenants. */
  tenant?: string | undefined;
}

/**
 * Sentence punctuation, quotes and brackets at either end. Not every symbol: `c++` and `c#`
 * must not become `c`.
 */
const EDGE_PUNCTUATION = /^[\s"'`“”‘’«»()[\]{}<>?!.,;:…¿¡]+|[\s"'`“”‘’«»()[\]{}<>?!.,;:…¿¡]+$/gu;

/** NFKC, lower case, whitespace collapsed, sentence punctuation trimmed from both ends. */
export function normaliseQuery(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(EDGE_PUNCTUATION, '');
}

/**
 * The text `semantic_hash` keys hash: the same as `exact` — case, Unicode form (NFKC),
 * whitespace and edge punctuation only. Any other rewrite merges different questions: dropping
 * pronouns made "What has changed you?" an exact hit for "What has changed?". Meaning-preserving
 * rewrites ("please", word order, synonyms) are the semantic tier's job, where the verifier
 * checks them. The strategy name stays (it is the seed's) and still keeps its entries apart.
 */
export function semanticHashText(text: string): string {
  return normaliseQuery(text);
}

/** Stable JSON: object keys sorted, `undefined` dropped, so equal parameters hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function hashParts(parts: unknown, length = KEY_HASH_LENGTH): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, length);
}

/** `shared` for anonymous callers, else `t-` + a hash of the tenant (raw names may be secrets). */
export function tenantNamespace(tenant: string | undefined): string {
  return tenant === undefined || tenant === '' ? 'shared' : `t-${hashParts(tenant, 16)}`;
}

/** Prefix of every key of one strategy (and one tenant, when given): pass to `clear`. */
export function keyNamespace(prefix: string, tenant?: string): string {
  return tenant === undefined ? `${prefix}:${CACHE_KEY_VERSION}:` : `${prefix}:${CACHE_KEY_VERSION}:${tenantNamespace(tenant)}:`;
}

export function buildCacheKey(prefix: string, tenant: string | undefined, parts: unknown): string {
  return `${keyNamespace(prefix, tenant ?? '')}${hashParts(parts)}`;
}

/** Key for a research query, by its normalised text (`exact`) or its `semantic_hash` text. */
export function queryCacheKey(prefix: string, context: QueryKeyContext, strategy: CacheKeyStrategy = 'exact'): string {
  const text = strategy === 'semantic_hash' ? semanticHashText(context.query) : normaliseQuery(context.query);
  return buildCacheKey(prefix, context.tenant, {
    keyStrategy: strategy,
    // 2: `semantic_hash` no longer drops stopwords; entries keyed the old way must stop matching.
    normalisation: 2,
    text,
    researchType: context.researchType,
    audience: context.audience,
    domain: context.domain,
    model: context.model,
    parameters: context.parameters,
  });
}

/**
 * Key for one upstream chat call: the provider and every field of the request that changes
 * the output, messages verbatim (a prompt is not normalised: whitespace can matter to a model).
 */
export function chatRequestCacheKey(prefix: string, request: ChatRequest, options: { provider: string; tenant?: string | undefined }): string {
  return buildCacheKey(prefix, options.tenant ?? request.user, {
    provider: options.provider,
    model: request.model,
    // Whole messages: images, tool calls and tool results change the answer as much as text does.
    messages: request.messages.map((message) =>
      message.parts || message.toolCalls || message.toolCallId !== undefined || message.name !== undefined
        ? [message.role, message.content, message.parts, message.toolCalls, message.toolCallId, message.name]
        : [message.role, message.content],
    ),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    stop: request.stop,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    responseFormat: request.responseFormat,
    seed: request.seed,
    logprobs: request.logprobs,
    topLogprobs: request.topLogprobs,
  });
}

/** Key for one text's embedding by one model; embeddings are not tenant-specific. */
export function embeddingCacheKey(prefix: string, model: string, text: string): string {
  return buildCacheKey(prefix, undefined, { model, text: text.normalize('NFKC') });
}

/** Key for a quality evaluation of one answer to one query by one evaluator version. */
export function qualityEvaluationCacheKey(prefix: string, input: { query: string; answer: string; evaluator: string; researchType?: string | undefined }): string {
  return buildCacheKey(prefix, undefined, { query: normaliseQuery(input.query), answer: input.answer, evaluator: input.evaluator, researchType: input.researchType });
}
