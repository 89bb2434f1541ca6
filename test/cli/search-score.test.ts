import { describe, expect, it } from 'vitest';
import { renderLibraryTable } from '../../src/interface/cli/render.js';
import type { LibraryItem } from '../../src/pipeline/fortitude.js';
import { storedResult, useTemporaryLibrary } from '../support/library-fixture.js';

const fixture = useTemporaryLibrary('search-score');
const result = (sequence: number, query: string, answer: string) => storedResult(sequence, query, { answer, researchType: 'implementation', domain: 'rust' });

/** The score column of the first row of a rendered table. */
const scoreCell = (table: string) => table.split('\n')[3]!.split('│').map((cell) => cell.trim()).at(-2);

describe('fortitude search: the score column', () => {
  it('shows the relevance score of a hit in a small library, not 0.000', async () => {
    // What a fresh user has: two answers, one about tokio. SQLite's bm25 then scores the hit
    // around 1e-6 (its IDF floor), which a fixed three-decimal column printed as 0.000.
    await fixture.library.save(result(1, 'How do I spawn a background task in tokio and wait for it?', 'Use tokio::spawn and await the JoinHandle.'));
    await fixture.library.save(result(2, 'Should I use PostgreSQL or MongoDB for an event store?', 'PostgreSQL with an append-only table.'));
    const page = await fixture.library.search({ q: 'tokio', limit: 20, offset: 0 });
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
