import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ResearchResult } from '../../src/core/research.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { createReferenceLibrary, type ReferenceLibrary } from '../../src/pipeline/library/reference-library.js';

/**
 * A stored research answer, numbered `sequence` (its id, slug and creation time follow from it),
 * ready for `library.save`.
 */
export function storedResult(sequence: number, query: string, options: { answer?: string; researchType?: string; domain?: string } = {}): ResearchResult {
  const value = (text: string) => ({ value: text, confidence: 1, signals: [] });
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    createdAt: new Date(1_700_000_000_000 + sequence * 1000).toISOString(),
    query,
    classification: {
      researchType: value(options.researchType ?? 'learning'),
      audience: value('intermediate'),
      domain: value(options.domain ?? 'general'),
      urgency: value('planned'),
    } as ResearchResult['classification'],
    answer: options.answer ?? 'An answer about connection pools.',
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

/**
 * A reference library on a fresh SQLite database in a temporary directory, opened before the
 * file's tests and removed after them. Read `library` and `directory` inside tests.
 */
export function useTemporaryLibrary(name: string): { readonly library: ReferenceLibrary; readonly directory: string } {
  let directory = '';
  let storage: Storage | undefined;
  let library: ReferenceLibrary | undefined;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), `fortitude-${name}-`));
    storage = await createDatabase({ sqlitePath: join(directory, 'fortitude.db') });
    await storage.migrate();
    library = createReferenceLibrary(storage, { exportDir: join(directory, 'reference_library') });
  });
  afterAll(async () => {
    await storage?.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    get library() {
      return library!;
    },
    get directory() {
      return directory;
    },
  };
}
