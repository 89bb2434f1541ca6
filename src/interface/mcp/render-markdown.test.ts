import { describe, expect, it } from 'vitest';
import type { ResearchResult } from '../../core/research.js';
import { renderLibraryPageMarkdown, renderResultMarkdown, resultUri, SIMULATED_NOTICE, summaryLine } from './render-markdown.js';

const dimension = <T extends string>(value: T) => ({ value, confidence: 0.5, signals: [] });
const result: ResearchResult = {
  id: 'abc',
  createdAt: '2025-03-04T05:06:07.000Z',
  query: 'How do I\nrotate logs?',
  classification: { researchType: dimension('implementation'), audience: dimension('beginner'), domain: dimension('devops'), urgency: dimension('immediate') },
  answer: '\n## Steps\n\nUse logrotate.\n',
  sections: [],
  provider: 'anthropic',
  model: 'claude',
  simulated: false,
  usage: { inputTokens: 10, outputTokens: 20 },
  costUsd: 0.5,
  quality: { composite: 0.42, dimensions: {}, issues: ['missing_section:Example'] },
  cache: { kind: 'semantic', similarity: 0.934 },
  timings: { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 12.6 },
  attempts: [{ provider: 'openai', outcome: 'rate_limited' }],
  slug: 'rotate-logs',
};

describe('renderResultMarkdown', () => {
  it('answer first, then one block of facts; the heading only when asked', () => {
    const text = renderResultMarkdown(result, { heading: true });
    expect(text.startsWith('# How do I rotate logs?\n\n## Steps\n\nUse logrotate.\n\n---\n')).toBe(true);
    expect(text).toContain('- Classification: implementation · beginner · devops · immediate');
    expect(text).toContain('cache: semantic hit (similarity 0.93)');
    expect(text).toContain('- Quality: 0.42 (issues: missing_section:Example)');
    expect(text).toContain('- Cost: $0.5000; tokens: 10 in, 20 out; time: 13 ms');
    expect(text).toContain('- Tried first: openai (rate_limited)');
    expect(text).not.toContain(SIMULATED_NOTICE);
    const bare = renderResultMarkdown({ ...result, simulated: true }, { heading: false });
    expect(bare.startsWith(`${SIMULATED_NOTICE}\n\n## Steps`)).toBe(true);
    expect(bare).not.toContain('Classification');
  });
});

describe('library pages', () => {
  const item = { id: 'a/b', createdAt: Date.UTC(2025, 0, 2), query: 'q '.repeat(150), researchType: 'learning' as const, provider: 'p', model: 'm', qualityComposite: null, costUsd: 0, slug: null };

  it('ids are percent-encoded in URIs; long queries are shortened to one line', () => {
    expect(resultUri('a/b')).toBe('fortitude://library/a%2Fb');
    const line = summaryLine(item);
    expect(line).toContain('unscored · p/m · 2025-01-02 · id `a/b` (fortitude://library/a%2Fb)');
    expect(line).toContain('…**');
  });

  it('an empty page says why', () => {
    expect(renderLibraryPageMarkdown({ items: [], total: 0 }, { offset: 0 })).toBe('No stored results, newest first.\n');
    expect(renderLibraryPageMarkdown({ items: [], total: 4 }, { offset: 10, query: 'x' })).toBe('No results for "x" at offset 10 (there are 4).\n');
  });
});
