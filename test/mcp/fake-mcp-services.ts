import { FortitudeError } from '../../src/core/errors.js';
import type { Classification, ResearchRequest, ResearchResult, ResearchType } from '../../src/core/research.js';
import type { LibraryItem, LibraryPage, ResearchContext } from '../../src/pipeline/fortitude.js';
import type { McpServices } from '../../src/interface/mcp/mcp-services.js';

/**
 * An in-memory McpServices: a small library of stored results, a deterministic "pipeline" and a
 * log of every call, so tests can assert what the MCP layer passed through.
 */

export function classificationFor(type: ResearchType): Classification {
  return {
    researchType: { value: type, confidence: 0.82, signals: ['keyword:"how do i"'] },
    audience: { value: 'intermediate', confidence: 0.6, signals: [] },
    domain: { value: 'rust', confidence: 0.9, signals: ['term:tokio'] },
    urgency: { value: 'planned', confidence: 0.5, signals: [] },
  };
}

export function makeResult(overrides: Partial<ResearchResult> & { id: string; query: string }): ResearchResult {
  const type = overrides.classification?.researchType.value ?? 'implementation';
  return {
    createdAt: '2025-01-02T03:04:05.000Z',
    classification: classificationFor(type),
    answer: `## Answer\n\nUse tokio::spawn for "${overrides.query}".\n\n## Example\n\n\`\`\`rust\ntokio::spawn(async {});\n\`\`\``,
    sections: [{ heading: 'Answer', body: 'Use tokio::spawn.' }],
    provider: 'openai',
    model: 'gpt-4o-mini',
    simulated: false,
    usage: { inputTokens: 120, outputTokens: 340 },
    costUsd: 0.00123,
    quality: { composite: 0.87, dimensions: { relevance: 0.9 }, issues: [] },
    cache: { kind: 'miss' },
    timings: { classifyMs: 1, cacheMs: 1, providerMs: 800, qualityMs: 2, storeMs: 3, totalMs: 807 },
    slug: `${overrides.id}-slug`,
    ...overrides,
  };
}

export const STORED: readonly ResearchResult[] = [
  makeResult({ id: 'r-async', query: 'How do I spawn async tasks in tokio?', createdAt: '2025-01-03T00:00:00.000Z' }),
  makeResult({
    id: 'r-db',
    query: 'Should I choose PostgreSQL or SQLite for an embedded app?',
    classification: classificationFor('decision'),
    createdAt: '2025-01-02T00:00:00.000Z',
    simulated: true,
    provider: 'simulator',
    model: 'sim-1',
    cache: { kind: 'exact', similarity: 1 },
  }),
  makeResult({ id: 'r-leak', query: 'Why does my Node service leak memory?', classification: classificationFor('troubleshooting'), createdAt: '2025-01-01T00:00:00.000Z' }),
];

export interface FakeCalls {
  research: { request: ResearchRequest; options: ResearchContext | undefined }[];
  feedback: { resultId: string; rating: number; comment?: string; user?: string }[];
  search: { q: string; type?: ResearchType; limit: number; offset: number }[];
  list: { type?: ResearchType; limit: number; offset: number }[];
}

export interface FakeMcpServices extends McpServices {
  calls: FakeCalls;
  /** Makes the next service call throw this. */
  failNext(error: unknown): void;
  /** Makes research wait until its signal aborts, then reject with an AbortError. */
  blockResearch(): void;
  /** Holds research calls until the returned function is called. */
  gateResearch(): () => void;
}

export function createFakeMcpServices(): FakeMcpServices {
  const results = new Map<string, ResearchResult>(STORED.map((result) => [result.id, result]));
  const calls: FakeCalls = { research: [], feedback: [], search: [], list: [] };
  let pendingFailure: { error: unknown } | undefined;
  let counter = 0;
  let blocked = false;
  let gate: Promise<void> | undefined;
  const maybeFail = (): void => {
    if (pendingFailure === undefined) return;
    const { error } = pendingFailure;
    pendingFailure = undefined;
    throw error;
  };
  const newestFirst = (): ResearchResult[] => [...results.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const page = (matches: ResearchResult[], limit: number, offset: number): LibraryPage => ({
    items: matches.slice(offset, offset + limit).map(toSummary),
    total: matches.length,
  });

  return {
    calls,
    failNext(error) {
      pendingFailure = { error };
    },
    blockResearch() {
      blocked = true;
    },
    gateResearch() {
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    async research(request, options) {
      calls.research.push({ request, options });
      maybeFail();
      if (blocked) {
        await new Promise((_resolve, reject) => {
          const signal = options?.signal;
          if (signal === undefined) throw new Error('research was called without a signal');
          signal.addEventListener('abort', () => reject(new DOMException('The operation was aborted', 'AbortError')), { once: true });
        });
      }
      if (gate !== undefined) await gate;
      for (const stage of ['classify', 'cache', 'provider', 'evaluate', 'store']) options?.onStage?.(stage);
      counter += 1;
      const result = makeResult({
        id: `new-${counter}`,
        query: request.query,
        classification: classificationFor(request.type ?? 'implementation'),
        simulated: request.provider === 'simulator',
        provider: request.provider ?? 'openai',
        ...(request.user === undefined ? {} : { user: request.user }),
        ...(request.crossValidate === true ? { crossValidation: { provider: 'anthropic', agreement: 0.91 } } : {}),
      });
      results.set(result.id, result);
      return result;
    },
    classify(query, type) {
      maybeFail();
      return classificationFor(type ?? (query.toLowerCase().includes('error') ? 'troubleshooting' : 'implementation'));
    },
    async getResult(idOrSlug) {
      maybeFail();
      return results.get(idOrSlug) ?? [...results.values()].find((result) => result.slug === idOrSlug);
    },
    async searchResults(options) {
      calls.search.push(options);
      maybeFail();
      const words = options.q.toLowerCase().split(/\s+/);
      const matches = newestFirst().filter(
        (result) =>
          words.every((word) => `${result.query} ${result.answer}`.toLowerCase().includes(word)) &&
          (options.type === undefined || result.classification.researchType.value === options.type),
      );
      return page(matches, options.limit, options.offset);
    },
    async listResults(options) {
      calls.list.push(options);
      maybeFail();
      const matches = newestFirst().filter((result) => options.type === undefined || result.classification.researchType.value === options.type);
      return page(matches, options.limit, options.offset);
    },
    async submitFeedback(input) {
      calls.feedback.push(input);
      maybeFail();
      if (!results.has(input.resultId)) throw new FortitudeError('not_found', `No research result "${input.resultId}".`, { details: { field: 'result_id' } });
      return { id: `fb-${calls.feedback.length}`, resultId: input.resultId };
    },
    async providerStatus() {
      maybeFail();
      return [
        { name: 'openai', healthy: true, simulated: false, circuit: 'closed', p50Ms: 640 },
        { name: 'simulator', healthy: true, simulated: true, circuit: 'closed', p50Ms: 1 },
      ];
    },
    async cacheStats() {
      maybeFail();
      return { memory: { hits: 12, misses: 3, hitRate: 0.8 }, redis: { hits: 2, misses: 1, hitRate: 0.67 } };
    },
  };
}

function toSummary(result: ResearchResult): LibraryItem {
  return {
    id: result.id,
    createdAt: Date.parse(result.createdAt),
    query: result.query,
    researchType: result.classification.researchType.value,
    provider: result.provider,
    model: result.model,
    qualityComposite: result.quality.composite,
    costUsd: result.costUsd,
    slug: result.slug,
  };
}
