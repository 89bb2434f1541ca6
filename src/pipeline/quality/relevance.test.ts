import { describe, expect, it } from 'vitest';
import { GOOD_ANSWERS } from '../../../test/support/sample-answers.js';
import { agreementScore, keyTerms, termCoverage } from './relevance.js';

describe('keyTerms', () => {
  it('drops stopwords and request verbs and stems the rest', () => {
    expect(keyTerms('How do I implement graceful shutdown for a tokio server that drains in-flight requests?')).toEqual([
      'graceful',
      'shutdown',
      'tokio',
      'server',
      'drain',
      'in-flight',
      'request',
    ]);
  });

  it('measures coverage and treats an all-stopword query as fully covered', () => {
    expect(termCoverage(['tokio', 'server'], new Set(['tokio']))).toBe(0.5);
    expect(termCoverage([], new Set())).toBe(1);
  });
});

describe('agreementScore', () => {
  it('is 1 for identical answers and symmetric', () => {
    const a = GOOD_ANSWERS.decision.answer;
    const b = GOOD_ANSWERS.learning.answer;
    expect(agreementScore(a, a)).toBe(1);
    expect(agreementScore(a, b)).toBe(agreementScore(b, a));
  });

  it('scores two answers on the same subject above answers on different subjects', () => {
    const paraphrase = `## Recommendation

Pick PostgreSQL for the event store: a unique (stream_id, version) primary key gives per-stream ordering and optimistic concurrency in one transaction. MongoDB needs a replica set for multi-document transactions.

## Implementation

Create an events table with stream_id, version, type and a jsonb payload, and retry the append on unique_violation.`;
    const same = agreementScore(GOOD_ANSWERS.decision.answer, paraphrase);
    const different = agreementScore(GOOD_ANSWERS.implementation.answer, paraphrase);
    expect(same).toBeGreaterThan(0.4);
    expect(same).toBeGreaterThan(different + 0.2);
  });

  it('halves agreement when one answer advises against what the other recommends', () => {
    const a = 'Use PostgreSQL for the event store. It gives ordering through a unique index on stream and version.';
    const b = 'Avoid PostgreSQL for the event store. It gives ordering through a unique index on stream and version.';
    const c = 'Use PostgreSQL for the event store. It gives ordering through a unique index on stream and version, too.';
    expect(agreementScore(a, b)).toBeLessThan(agreementScore(a, c) * 0.6);
  });

  it('is 0 when either answer is empty', () => {
    expect(agreementScore('', GOOD_ANSWERS.decision.answer)).toBe(0);
  });
});
