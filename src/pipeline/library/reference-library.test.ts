import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResearchResult } from '../../core/research.js';
import { createDatabase } from '../../infrastructure/storage/create-database.js';
import type { Storage } from '../../infrastructure/storage/storage.js';
import { createReferenceLibrary, type ReferenceLibrary } from './reference-library.js';

let directory: string;
let storage: Storage;
let library: ReferenceLibrary;
let sequence = 0;

function result(query: string, answer = 'An answer about connection pools.'): ResearchResult {
  sequence += 1;
  const value = (text: string) => ({ value: text, confidence: 1, signals: [] });
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    createdAt: new Date(1_700_000_000_000 + sequence * 1000).toISOString(),
    query,
    classification: {
      researchType: value('learning'),
      audience: value('intermediate'),
      domain: value('general'),
      urgency: value('planned'),
    } as ResearchResult['classification'],
    answer,
    sections: [],
    provider: 'openai',
    model: 'gpt-4o-mini',
    simulated: false,
    usage: { inputTokens: 1, outputTokens: 1 },
    costUsd: 0,
    quality: { composite: 0.9, dimensions: {}, issues: [] },
    cache: { kind: 'miss' },
    timings: { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 0 },
    slug: `result-${sequence}`,
  };
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-library-'));
  storage = await createDatabase({ sqlitePath: join(directory, 'fortitude.db') });
  await storage.migrate();
  library = createReferenceLibrary(storage, { exportDir: join(directory, 'reference_library') });
});
afterAll(async () => {
  await storage.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('reference library search', () => {
  it('reports the number of matches as total on every page, past the end included', async () => {
    for (let index = 0; index < 3; index++) await library.save(result(`How do I size a zorbulator pool ${index}?`));
    await library.save(result('Something else entirely'));
    const pages = await Promise.all([0, 1, 2, 3, 10].map((offset) => library.search({ q: 'zorbulator', limit: 1, offset })));
    expect(pages.map((page) => page.items.length)).toEqual([1, 1, 1, 0, 0]);
    expect(pages.map((page) => page.total)).toEqual([3, 3, 3, 3, 3]);
    expect((await library.search({ q: 'zorbulator', limit: 20, offset: 0 })).total).toBe(3);
    expect((await library.search({ q: 'nothing-matches-this', limit: 20, offset: 5 })).total).toBe(0);
  });
});

describe('Markdown export', () => {
  it('keeps a query with line breaks on its heading line: no injected headings or front matter', async () => {
    const query = 'Why?\n\n# Injected heading\n---\nadmin: true\r\n> quote\u2028# also';
    await library.save(result(query));
    const file = readdirSync(join(directory, 'reference_library', 'learning')).find((name) => name === `result-${sequence}.md`)!;
    const text = readFileSync(join(directory, 'reference_library', 'learning', file), 'utf8');
    const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/);
    expect(lines.filter((line) => line.startsWith('#'))).toEqual(['# Why? # Injected heading --- admin: true > quote # also']);
    expect(lines.filter((line) => line === '---')).toHaveLength(2);
    expect(lines.some((line) => line.startsWith('admin:') || line.startsWith('>'))).toBe(false);
    expect(lines[2]).toBe(`query: ${JSON.stringify(query).replace('\u2028', '\\u2028')}`);
  });
});
