import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResearchResult } from '../../src/core/research.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { renderLibraryTable } from '../../src/interface/cli/render.js';
import type { LibraryItem } from '../../src/pipeline/fortitude.js';
import { createReferenceLibrary, type ReferenceLibrary } from '../../src/pipeline/library/reference-library.js';

let directory: string;
let storage: Storage;
let library: ReferenceLibrary;

function result(sequence: number, query: string, answer: string): ResearchResult {
  const value = (text: string) => ({ value: text, confidence: 1, signals: [] });
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    createdAt: new Date(1_700_000_000_000 + sequence * 1000).toISOString(),
    query,
    classification: { researchType: value('implementation'), audience: value('intermediate'), domain: value('rust'), urgency: value('planned') } as ResearchResult['classification'],
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

/** The score column of the first row of a rendered table. */
const scoreCell = (table: string) => table.split('\n')[3]!.split('│').map((cell) => cell.trim()).at(-2);

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-search-score-'));
  storage = await createDatabase({ sqlitePath: join(directory, 'fortitude.db') });
  await storage.migrate();
  library = createReferenceLibrary(storage, { exportDir: join(directory, 'reference_library') });
});
afterAll(async () => {
  await storage.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('fortitude search: the score column', () => {
  it('shows the relevance score of a hit in a small library, not 0.000', async () => {
    // What a fresh user has: two answers, one about tokio. SQLite's bm25 then scores the hit
    // around 1e-6 (its IDF floor), which a fixed three-decimal column printed as 0.000.
    await library.save(result(1, 'How do I spawn a background task in tokio and wait for it?', 'Use tokio::spawn and await the JoinHandle.'));
    await library.save(result(2, 'Should I use PostgreSQL or MongoDB for an event store?', 'PostgreSQL with an append-only table.'));
    const page = await library.search({ q: 'tokio', limit: 20, offset: 0 });
    expect(page.items).toHaveLength(1);
    const score = page.items[0]!.score!;
    expect(score).toBeGreaterThan(0);
    const cell = scoreCell(renderLibraryTable(page.items, page.total, { withScore: true }));
    expect(cell).not.toMatch(/^0(\.0+)?$/);
    expect(Math.abs(Number(cell) - score) / score).toBeLessThan(0.05);
  });

  it('keeps three decimals for ordinary scores and prints an exact zero as 0', () => {
    const item: LibraryItem = { id: 'abcdef0123', createdAt: 1_767_225_600_000, query: 'q', researchType: 'learning', provider: 'openai', model: 'm', qualityComposite: 0.9, costUsd: 0, slug: null };
    const render = (score: number) => scoreCell(renderLibraryTable([{ ...item, score }], 1, { withScore: true }));
    expect(render(2.34567)).toBe('2.346');
    expect(render(0.0607927)).toBe('0.061');
    expect(render(0)).toBe('0');
  });
});
