import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';
import { createLocalEmbedder } from './local-embedder.js';
import { createSemanticCache, type SemanticCache } from './semantic-cache.js';
import { createFileEntryPersistence } from './store/file-entry-persistence.js';
import { createMemorySemanticEntryStore } from './store/memory-entry-store.js';

const tenant = { namespace: 'tenant-a', researchType: 'implementation', domain: 'database' };
const caches: Array<SemanticCache<string>> = [];
const directories: string[] = [];

async function newCache(options: Parameters<typeof createSemanticCache<string>>[0] = {}, deps: Partial<Parameters<typeof createSemanticCache<string>>[1]> = {}) {
  const cache = await createSemanticCache<string>(
    { sweepIntervalMs: 0, ...options },
    { embedder: createLocalEmbedder(), store: createMemorySemanticEntryStore(), ...deps },
  );
  caches.push(cache);
  return cache;
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'semantic-cache-'));
  directories.push(directory);
  return directory;
}

afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('SemanticCache', () => {
  it('serves only the nearest candidate: an edit refused against its origin is not served the origin\'s paraphrase', async () => {
    const cache = await newCache({ promoteSemanticHits: false });
    const origin = 'You can use a pretrained BERT model and its corresponding tokenizer from the 🤗 Transformers library.';
    const paraphrase = 'You can employ a pretrained BERT model and its related tokenizer from the 🤗 Transformers library.';
    await cache.store(origin, tenant, 'origin');
    await cache.store(paraphrase, tenant, 'paraphrase');
    const edited = `${origin.slice(0, -1)} for a large team.`;
    const nearest = await cache.lookup(edited, tenant);
    expect(nearest.kind).toBe('miss');
    expect(nearest.rejected?.[0]).toMatchObject({ question: origin });
    // The rule before: the best candidate the verifier accepts, however far — here the paraphrase.
    const farther = await cache.lookup(edited, tenant, { nearestOnly: false });
    expect(farther).toMatchObject({ kind: 'semantic', entry: { value: 'paraphrase' } });
  });

  it('answers an exact (normalised) repeat as exact with similarity 1', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer-1');
    const result = await cache.lookup('  how do I install redis on ubuntu 22.04 ', tenant);
    expect(result).toMatchObject({ kind: 'exact', similarity: 1, entry: { value: 'answer-1' } });
    expect(cache.has('How do I install Redis on Ubuntu 22.04', tenant)).toBe(true);
  });

  it('answers a paraphrase as semantic and reports its similarity', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer-1');
    const result = await cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant);
    expect(result.kind).toBe('semantic');
    expect(result.entry?.value).toBe('answer-1');
    expect(result.similarity).toBeGreaterThanOrEqual(cache.similarityThreshold);
    expect(result.similarity).toBeLessThan(1);
  });

  it('refuses near neighbours that ask something else, and says why', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer-1');
    for (const [query, check] of [
      ['How do I install Redis on Ubuntu 20.04?', 'version'],
      ['How do I uninstall Redis on Ubuntu 22.04?', 'antonym'],
      ['How do I install Memcached on Ubuntu 22.04?', 'entity'],
      ['Why can I not install Redis on Ubuntu 22.04?', 'negation'],
    ] as const) {
      // A low threshold makes the verifier, not the embedding, the one to refuse.
      const result = await cache.lookup(query, tenant, { similarityThreshold: 0.3 });
      expect(result.kind, query).toBe('miss');
      expect(result.rejected?.flatMap((candidate) => candidate.reasons).some((reason) => reason.startsWith(check)), query).toBe(true);
    }
    expect(cache.stats().rejections).toMatchObject({ version: 1, antonym: 1, entity: 1, negation: 1 });
  });

  it('never crosses namespaces or other context fields', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer-a');
    for (const other of [
      { ...tenant, namespace: 'tenant-b' },
      { ...tenant, domain: 'devops' },
      { ...tenant, model: 'gpt-4o' },
      { ...tenant, parameters: { temperature: 0 } },
    ]) {
      expect((await cache.lookup('How do I install Redis on Ubuntu 22.04?', other)).kind).toBe('miss');
      expect((await cache.lookup('How can I set up Redis on Ubuntu 22.04?', other)).kind).toBe('miss');
    }
    const reordered = { ...tenant, parameters: { b: 1, a: 2 } };
    await cache.store('What is the default port of PostgreSQL?', reordered, 'port');
    expect((await cache.lookup('What is the default port of PostgreSQL?', { ...tenant, parameters: { a: 2, b: 1 } })).kind).toBe('exact');
  });

  it('expires entries after their TTL (injected clock)', async () => {
    let now = 1_000_000;
    const cache = await newCache({ ttlMs: 60_000 }, { now: () => now });
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'short', { ttlMs: 10_000 });
    await cache.store('What port does PostgreSQL use by default?', tenant, 'long');
    now += 10_001;
    expect((await cache.lookup('How do I install Redis on Ubuntu 22.04?', tenant)).kind).toBe('miss');
    expect((await cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant)).kind).toBe('miss');
    expect((await cache.lookup('What port does PostgreSQL use by default?', tenant)).kind).toBe('exact');
    now += 60_000;
    expect(await cache.sweepExpired()).toBe(1);
    expect(cache.stats().entries).toBe(0);
  });

  it('replaces an entry stored again under the same exact key', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'old');
    await cache.store('how do i install redis on ubuntu 22.04', tenant, 'new');
    expect(cache.stats().entries).toBe(1);
    expect((await cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant)).entry?.value).toBe('new');
  });

  it('treats two equally close cached questions as ambiguous', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis on Ubuntu?', tenant, 'one');
    await cache.store('How do I install Redis on Ubuntu', { ...tenant, namespace: 'elsewhere' }, 'not-a-rival');
    await cache.store('How do I set up Redis on Ubuntu, quickly?', tenant, 'two');
    const result = await cache.lookup('How can I set up Redis on Ubuntu?', tenant, { ambiguityMargin: 0.5 });
    expect(result.kind).toBe('miss');
    expect(result.rejected?.some((candidate) => candidate.reasons[0]?.startsWith('ambiguous'))).toBe(true);
  });

  it('remembers a verified semantic hit under the new exact key when promotion is on', async () => {
    const cache = await newCache({ promoteSemanticHits: true });
    const entry = await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer');
    const first = await cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant);
    const second = await cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant);
    expect(second).toMatchObject({ kind: 'semantic', similarity: first.similarity, entry: { id: entry.id } });
    expect(cache.stats()).toMatchObject({ semanticHits: 2, exactHits: 0, misses: 0 });
  });

  it('serves anything above the threshold when verification is off (measurement only)', async () => {
    const cache = await newCache({ verification: false });
    await cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer');
    expect((await cache.lookup('How do I uninstall Redis on Ubuntu 22.04?', tenant)).kind).toBe('semantic');
  });

  it('clears one namespace or everything', async () => {
    const cache = await newCache();
    await cache.store('How do I install Redis?', tenant, 'a');
    await cache.store('How do I install Redis?', { namespace: 'tenant-b' }, 'b');
    expect(await cache.clear('tenant-b')).toBe(1);
    expect((await cache.lookup('How do I install Redis?', tenant)).kind).toBe('exact');
    expect(await cache.clear()).toBe(1);
    expect(cache.stats().entries).toBe(0);
  });

  it('persists entries and the index, then reads the index instead of rebuilding', async () => {
    const directory = temporaryDirectory();
    const entriesPath = join(directory, 'entries.jsonl');
    const indexDirectory = join(directory, 'index');
    // graphFrom 0: these tiny partitions get a graph (by default only partitions of 256+ do).
    const first = await createSemanticCache<string>(
      { sweepIntervalMs: 0, indexDirectory, index: { graphFrom: 0 } },
      { embedder: createLocalEmbedder(), store: createMemorySemanticEntryStore({ persistence: createFileEntryPersistence(entriesPath) }) },
    );
    await first.store('How do I install Redis on Ubuntu 22.04?', tenant, 'redis');
    await first.store('What port does PostgreSQL use by default?', tenant, 'port');
    await first.store('What port does PostgreSQL use by default?', { namespace: 'tenant-b' }, 'port-b');
    await first.close(); // writes the partition graphs
    expect(readdirSync(indexDirectory).filter((name) => name.endsWith('.hnsw'))).toHaveLength(2);

    const second = await createSemanticCache<string>(
      { sweepIntervalMs: 0, indexDirectory, index: { graphFrom: 0 } },
      { embedder: createLocalEmbedder(), store: createMemorySemanticEntryStore({ persistence: createFileEntryPersistence(entriesPath) }) },
    );
    caches.push(second);
    expect((await second.lookup('How can I set up Redis on Ubuntu 22.04?', tenant)).entry?.value).toBe('redis');
    expect((await second.lookup('What port does PostgreSQL use by default?', { namespace: 'tenant-b' })).entry?.value).toBe('port-b');

    expect(second.openReport).toEqual({ loaded: 3, rebuilt: 0, reembedded: 0, expired: 0 });
  });

  it('rebuilds the index from stored entries when no index file matches, and re-embeds foreign vectors', async () => {
    const store = createMemorySemanticEntryStore<string>();
    const first = await createSemanticCache<string>({ sweepIntervalMs: 0 }, { embedder: createLocalEmbedder({ dimensions: 256 }), store });
    await first.store('How do I install Redis on Ubuntu 22.04?', tenant, 'redis');
    await first.close();
    const counting: Embedder & { calls: number } = {
      ...createLocalEmbedder(),
      calls: 0,
      embed(texts) {
        this.calls += texts.length;
        return createLocalEmbedder().embed(texts);
      },
    };
    const second = await createSemanticCache<string>({ sweepIntervalMs: 0 }, { embedder: counting, store });
    caches.push(second);
    expect(second.openReport).toEqual({ loaded: 0, rebuilt: 1, reembedded: 1, expired: 0 });
    expect(counting.calls).toBe(1); // the stored 256-dim vector was re-embedded at 128
    const [entry] = await store.list();
    expect(entry?.embedding.length).toBe(128);
    expect((await second.lookup('How can I set up Redis on Ubuntu 22.04?', tenant)).entry?.value).toBe('redis');
  });
});
