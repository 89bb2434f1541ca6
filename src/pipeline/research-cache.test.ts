import { afterEach, describe, expect, it } from 'vitest';
import type { ResearchResult } from '../core/research.js';
import { createLocalEmbedder } from '../infrastructure/cache/semantic/local-embedder.js';
import { createSemanticCache, type SemanticCache } from '../infrastructure/cache/semantic/semantic-cache.js';
import { createMemorySemanticEntryStore } from '../infrastructure/cache/semantic/store/memory-entry-store.js';
import type { ResearchCacheContext } from './ports.js';
import { createResearchCache, semanticContextOf, type SemanticValue } from './research-cache.js';

let semantic: SemanticCache<SemanticValue> | undefined;
afterEach(async () => {
  await semantic?.close();
});

async function tiers() {
  semantic = await createSemanticCache<SemanticValue>({ sweepIntervalMs: 0 }, { embedder: createLocalEmbedder(), store: createMemorySemanticEntryStore() });
  const results = new Map<string, ResearchResult>();
  const cache = createResearchCache({
    exact: { lookup: async () => undefined, store: async () => undefined },
    library: { findRecent: async () => undefined, get: async (id) => results.get(id) },
    libraryMaxAgeMs: 60_000,
    semantic,
  });
  const store = async (query: string, context: ResearchCacheContext, provider = 'openai') => {
    const result = { id: `r-${results.size}`, query, provider } as ResearchResult;
    results.set(result.id, result);
    await cache.store(query, context, result);
  };
  return { cache, store };
}

const classified: ResearchCacheContext = { namespace: 'default', researchType: 'implementation', audience: 'beginner', domain: 'databases' };
const QUESTION = 'How do I install Redis on Ubuntu 22.04?';
const PARAPHRASE = 'How can I install Redis on Ubuntu 22.04?';

describe('semantic partition (issue 19 item 4)', () => {
  it('keeps only what changes the answer: tenant, explicit research type, pinned provider', () => {
    expect(semanticContextOf(classified)).toEqual({ namespace: 'default' });
    expect(semanticContextOf({ ...classified, explicitResearchType: 'decision', provider: 'anthropic' })).toEqual({
      namespace: 'default', researchType: 'decision', parameters: { provider: 'anthropic' },
    });
  });

  it('serves a paraphrase the classifier guessed differently (audience, domain, research type)', async () => {
    const { cache, store } = await tiers();
    await store(QUESTION, classified);
    const hit = await cache.lookup(PARAPHRASE, { ...classified, researchType: 'learning', audience: 'advanced', domain: 'devops' });
    expect(hit?.kind).toBe('semantic');
    expect(hit?.result.query).toBe(QUESTION);
  });

  it('does not cross tenants, explicit research types or pinned providers', async () => {
    const { cache, store } = await tiers();
    await store(QUESTION, { ...classified, explicitResearchType: 'implementation', provider: 'openai' });
    const same = { ...classified, explicitResearchType: 'implementation' as const, provider: 'openai' };
    expect((await cache.lookup(PARAPHRASE, same))?.kind).toBe('semantic');
    expect(await cache.lookup(PARAPHRASE, { ...same, namespace: 'team-b' })).toBeUndefined();
    expect(await cache.lookup(PARAPHRASE, { ...same, explicitResearchType: 'decision' })).toBeUndefined();
    expect(await cache.lookup(PARAPHRASE, { ...same, provider: 'anthropic' })).toBeUndefined();
    expect(await cache.lookup(PARAPHRASE, { ...same, explicitResearchType: undefined })).toBeUndefined();
  });
});
