import { describe, expect, it } from 'vitest';
import type { ResearchResult } from '../../core/research.js';
import { createFeedback } from './feedback.js';

describe('createFeedback', () => {
  it("answers with the rated result's full id when the caller named it by a prefix", async () => {
    const full = 'ab1d5a7c-1111-4222-8333-444455556666';
    const stored = { id: full, provider: 'openai', model: 'gpt-4o-mini', classification: { researchType: { value: 'learning' } } } as unknown as ResearchResult;
    const inserted: { resultId: string }[] = [];
    const submit = createFeedback({
      results: { get: async (idOrSlug) => (full.startsWith(idOrSlug) ? stored : undefined) },
      feedback: {
        insert: async (row) => {
          inserted.push(row);
          return { id: 'feedback-1' } as never;
        },
      },
      qualityRows: { add: () => undefined },
      router: { recordFeedback: () => undefined },
    });
    const saved = await submit({ resultId: 'ab1d5a7c', rating: 4 }, undefined);
    expect(saved).toEqual({ id: 'feedback-1', resultId: full });
    expect(inserted[0]?.resultId).toBe(full);
  });
});
