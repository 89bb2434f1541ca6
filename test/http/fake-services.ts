import type { ChatRequest, EmbeddingRequest, StreamPart } from '../../src/core/chat.js';
import { FortitudeError, ProviderError } from '../../src/core/errors.js';
import type { Classification, ResearchRequest, ResearchResult, ResearchStreamEvent } from '../../src/core/research.js';
import type {
  ApiKeyIdentity,
  FeedbackInput,
  GatewayChatAnswer,
  GatewayChatStream,
  HttpServices,
  RequestContext,
} from '../../src/interface/http/http-services.js';

/**
 * In-memory `HttpServices` for HTTP tests where the pipeline is not the subject. Behaviour is
 * steered by magic inputs: research query `fail` (503), `boom` (500), `fail-mid` (stream breaks);
 * chat model `upstream-400`, `slow` (waits `slowMs` honouring the abort signal), `break-mid`,
 * `fail-first`.
 */
export interface FakeServices extends HttpServices {
  readonly contexts: RequestContext[];
  readonly chatRequests: ChatRequest[];
  readonly researchRequests: ResearchRequest[];
  readonly feedback: FeedbackInput[];
  slowMs: number;
  ready: boolean;
}

const CLASSIFICATION: Classification = {
  researchType: { value: 'learning', confidence: 0.9, signals: ['keyword:"what is"'] },
  audience: { value: 'intermediate', confidence: 0.6, signals: [] },
  domain: { value: 'web', confidence: 0.7, signals: [] },
  urgency: { value: 'planned', confidence: 0.5, signals: [] },
};

export const TEST_KEYS: Record<string, ApiKeyIdentity> = {
  'key-research': { name: 'researcher', scopes: ['research'] },
  'key-gateway': { name: 'gatewayer', scopes: ['gateway'], rateLimitPerMinute: 1000 },
  'key-admin': { name: 'admin', scopes: ['admin'], rateLimitPerMinute: 100_000 },
  'key-limited': { name: 'limited', scopes: ['research', 'gateway'], rateLimitPerMinute: 3 },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new FortitudeError('timeout', 'aborted'));
    });
  });
}

export function createFakeServices(): FakeServices {
  const results = new Map<string, ResearchResult>();
  let counter = 0;
  const contexts: RequestContext[] = [];
  const chatRequests: ChatRequest[] = [];
  const researchRequests: ResearchRequest[] = [];
  const feedback: FeedbackInput[] = [];

  const buildResult = (request: ResearchRequest): ResearchResult => {
    const id = `r-${++counter}`;
    const result: ResearchResult = {
      id,
      createdAt: new Date(0).toISOString(),
      query: request.query,
      classification: CLASSIFICATION,
      answer: `## Answer\nAbout ${request.query}.`,
      sections: [{ heading: 'Answer', body: `About ${request.query}.` }],
      provider: request.provider ?? 'sim-openai',
      model: 'gpt-4o-mini',
      simulated: true,
      usage: { inputTokens: 10, outputTokens: 20 },
      costUsd: 0.0001,
      quality: { composite: 0.9, dimensions: { relevance: 0.9 }, issues: [] },
      cache: { kind: 'miss' },
      timings: { classifyMs: 0.1, cacheMs: 0.1, providerMs: 1, qualityMs: 0.1, storeMs: 0.1, totalMs: 1.4 },
      slug: `slug-${id}`,
      ...(request.user === undefined ? {} : { user: request.user }),
    };
    results.set(id, result);
    return result;
  };

  const failFor = (query: string): void => {
    if (query === 'fail') throw new FortitudeError('provider_unavailable', 'all providers are unavailable', { retryable: true });
    if (query === 'boom') throw new Error('secret internal detail /etc/passwd');
  };

  /** A library page as the facade lists it: summaries, newest last here. */
  const page = (query: { q?: string; type?: string; limit: number; offset: number }) => {
    const all = [...results.values()].filter(
      (result) => (query.q === undefined || result.query.includes(query.q)) && (query.type === undefined || result.classification.researchType.value === query.type),
    );
    const items = all.slice(query.offset, query.offset + query.limit).map((result) => ({
      id: result.id,
      createdAt: Date.parse(result.createdAt),
      query: result.query,
      researchType: result.classification.researchType.value,
      provider: result.provider,
      model: result.model,
      qualityComposite: result.quality.composite,
      costUsd: result.costUsd,
      slug: result.slug,
    }));
    return { items, total: all.length };
  };

  const lastUser = (request: ChatRequest): string => request.messages[request.messages.length - 1]?.content ?? '';

  const services: FakeServices = {
    contexts,
    chatRequests,
    researchRequests,
    feedback,
    slowMs: 300,
    ready: true,

    async research(request, context) {
      contexts.push(context as RequestContext);
      researchRequests.push(request);
      failFor(request.query);
      return buildResult(request);
    },
    async *researchStream(request, context): AsyncIterable<ResearchStreamEvent> {
      contexts.push(context as RequestContext);
      researchRequests.push(request);
      failFor(request.query);
      yield { type: 'stage', stage: 'classify' };
      yield { type: 'classification', classification: CLASSIFICATION };
      yield { type: 'stage', stage: 'provider' };
      yield { type: 'text', text: 'About ' };
      if (request.query === 'fail-mid') throw new ProviderError('sim: stream broke', { provider: 'sim', errorClass: 'stream_broken' });
      yield { type: 'text', text: `${request.query}.` };
      yield { type: 'result', result: buildResult(request) };
    },
    async getResult(id) {
      return results.get(id);
    },
    async searchResults(query) {
      return page(query);
    },
    async listResults(query) {
      return page(query);
    },
    async submitFeedback(input) {
      if (!results.has(input.resultId)) throw new FortitudeError('not_found', `no research result ${input.resultId}`);
      feedback.push(input);
      return { id: `f-${feedback.length}`, resultId: input.resultId };
    },
    async providerStatus() {
      return [{ name: 'sim-openai', healthy: true, circuit: 'closed' }];
    },
    async cacheStats() {
      return { memory: { hits: 1, misses: 2 } };
    },
    async readiness() {
      return { ok: services.ready, checks: { database: { ok: true, latencyMs: 0.2 }, redis: { ok: services.ready, latencyMs: 0.3, ...(services.ready ? {} : { error: 'down' }) } } };
    },
    async metrics() {
      return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP fortitude_up 1\nfortitude_up 1\n' };
    },

    async chat(request, gatewayContext): Promise<GatewayChatAnswer> {
      const context = gatewayContext as RequestContext;
      contexts.push(context);
      chatRequests.push(request);
      if (request.model === 'upstream-400') throw new ProviderError('sim: context length exceeded', { provider: 'sim-openai', errorClass: 'bad_request', status: 400 });
      if (request.model === 'upstream-429') throw new ProviderError('sim: slow down', { provider: 'sim-openai', errorClass: 'rate_limit', status: 429, retryAfterMs: 2500 });
      if (request.model === 'slow') await sleep(services.slowMs, context.signal);
      const text = `echo: ${lastUser(request)}`;
      return {
        result: { id: 'chatcmpl-fake1', model: request.model, text, finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 3 } },
        provider: 'sim-openai',
        simulated: true,
        cache: context.cache.bypass ? 'bypass' : 'miss',
        upstreamMs: 1.5,
      };
    },
    async chatStream(request, context): Promise<GatewayChatStream> {
      contexts.push(context as RequestContext);
      chatRequests.push(request);
      if (request.model === 'fail-first') throw new ProviderError('sim: unavailable', { provider: 'sim-openai', errorClass: 'server', status: 503, code: 'provider_unavailable' });
      const words = `echo: ${lastUser(request)}`.split(/(?<= )/);
      async function* parts(): AsyncIterable<StreamPart> {
        for (const [index, word] of words.entries()) {
          if (request.model === 'break-mid' && index === 1) throw new ProviderError('sim: stream broke', { provider: 'sim-openai', errorClass: 'stream_broken' });
          yield { type: 'text', text: word };
        }
        yield { type: 'finish', id: 'chatcmpl-fake1', model: request.model, finishReason: 'stop', usage: { inputTokens: 5, outputTokens: words.length } };
      }
      return { provider: 'sim-openai', simulated: true, cache: 'miss', stream: parts() };
    },
    async embed(request: EmbeddingRequest) {
      return {
        result: { model: request.model, vectors: request.input.map((text) => [text.length, 0.5, -0.25]), usage: { inputTokens: request.input.length } },
        provider: 'sim-openai',
        simulated: true,
        cache: 'miss',
        upstreamMs: 0.5,
      };
    },
    async models() {
      return [
        { id: 'gpt-4o-mini', owned_by: 'openai' },
        { id: 'claude-3-haiku-20240307', owned_by: 'anthropic' },
      ];
    },
    async countTokens(request) {
      return request.messages.reduce((sum, message) => sum + message.content.split(/\s+/).length, 0);
    },
    async verifyApiKey(raw) {
      return TEST_KEYS[raw];
    },
  };
  return services;
}
