import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedResult, useTemporaryLibrary } from '../../../test/support/library-fixture.js';

const fixture = useTemporaryLibrary('library');
let sequence = 0;
const result = (query: string) => storedResult(++sequence, query);

describe('reference library search', () => {
  it('reports the number of matches as total on every page, past the end included', async () => {
    for (let index = 0; index < 3; index++) await fixture.library.save(result(`How do I size a zorbulator pool ${index}?`));
    await fixture.library.save(result('Something else entirely'));
    const pages = await Promise.all([0, 1, 2, 3, 10].map((offset) => fixture.library.search({ q: 'zorbulator', limit: 1, offset })));
    expect(pages.map((page) => page.items.length)).toEqual([1, 1, 1, 0, 0]);
    expect(pages.map((page) => page.total)).toEqual([3, 3, 3, 3, 3]);
    expect((await fixture.library.search({ q: 'zorbulator', limit: 20, offset: 0 })).total).toBe(3);
    expect((await fixture.library.search({ q: 'nothing-matches-this', limit: 20, offset: 5 })).total).toBe(0);
  });
});

describe('Markdown export', () => {
  it('keeps a query with line breaks on its heading line: no injected headings or front matter', async () => {
    const query = 'Why?\n\n# Injected heading\n---\nadmin: true\r\n> quote\u2028# also';
    await fixture.library.save(result(query));
    const file = readdirSync(join(fixture.directory, 'reference_library', 'learning')).find((name) => name === `result-${sequence}.md`)!;
    const text = readFileSync(join(fixture.directory, 'reference_library', 'learning', file), 'utf8');
    const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/);
    expect(lines.filter((line) => line.startsWith('#'))).toEqual(['# Why? # Injected heading --- admin: true > quote # also']);
    expect(lines.filter((line) => line === '---')).toHaveLength(2);
    expect(lines.some((line) => line.startsWith('admin:') || line.startsWith('>'))).toBe(false);
    expect(lines[2]).toBe(`query: ${JSON.stringify(query).replace('\u2028', '\\u2028')}`);
  });

  it('writes into its type folder again after the folder was removed while running', async () => {
    const folder = join(fixture.directory, 'reference_library', 'learning');
    await fixture.library.save(result('How do I size a connection pool?'));
    expect(existsSync(join(folder, `result-${sequence}.md`))).toBe(true);
    rmSync(folder, { recursive: true, force: true });
    await fixture.library.save(result('How do I size a thread pool?'));
    expect(readdirSync(folder)).toEqual([`result-${sequence}.md`]);
  });
});
