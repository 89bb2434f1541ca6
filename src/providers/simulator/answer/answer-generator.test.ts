import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../../wire/token-estimate.js';
import { createAnswerGenerator, splitPieces } from './answer-generator.js';
import { analyseQuery, extractQuery } from './query-analysis.js';

const generator = createAnswerGenerator();
const fence = (text: string) => (text.match(/```/g) ?? []).length;

describe('analyseQuery', () => {
  it.each([
    ['Should I use Redis or Memcached for sessions?', 'decision'],
    ['tokio vs async-std for a web crawler', 'decision'],
    ['Why does my Django app crash with a segfault?', 'troubleshooting'],
    ['How do I fix "connection refused" errors in Docker?', 'troubleshooting'],
    ['What is a B-tree index?', 'learning'],
    ['Is it safe to store JWTs in localStorage?', 'validation'],
    ['How to implement retries with exponential backoff in TypeScript', 'implementation'],
  ])('classifies %s as %s', (query, type) => {
    expect(analyseQuery(query).researchType).toBe(type);
  });

  it('honours an explicit research type in the system prompt', () => {
    expect(analyseQuery('Tell me about Kafka', 'Research type: decision').researchType).toBe('decision');
  });

  it('extracts terms, options, subject and language', () => {
    const analysis = analyseQuery('Should I use PostgreSQL or MySQL for time series data?');
    expect(analysis.options).toEqual(['PostgreSQL', 'MySQL']);
    expect(analysis.terms).toEqual(['PostgreSQL', 'MySQL', 'time', 'series', 'data']);
    expect(analysis.language).toBe('sql');
    expect(analyseQuery('How does rate limiting work?').subject).toBe('rate limiting');
    expect(analyseQuery('async closures in Rust').language).toBe('rust');
  });

  it('takes the question from a templated prompt', () => {
    expect(extractQuery('Context: a web service.\nQuery: How do I cache JSON responses?\nAudience: advanced')).toBe(
      'How do I cache JSON responses?',
    );
  });
});

describe('createAnswerGenerator', () => {
  const question = 'How do I implement a circuit breaker in Python?';

  it('writes the good answer with sections, a balanced code fence and the key terms', () => {
    const { text } = generator.answer(question, '', 'good');
    for (const heading of ['## Answer', '## Evidence', '## Implementation']) expect(text).toContain(heading);
    expect(text).toContain('```python');
    expect(fence(text) % 2).toBe(0);
    for (const term of ['circuit', 'breaker', 'Python']) expect(text).toContain(term);
  });

  it('leads decisions with a recommendation', () => {
    const { text } = generator.answer('Should I pick gRPC or REST for internal services?', '', 'good');
    expect(text).toMatch(/^## Answer\n\n\*\*Recommendation:\*\* use \*\*(gRPC|REST)\*\* rather than \*\*(REST|gRPC)\*\*/);
  });

  it('produces each degraded mode', () => {
    const good = generator.answer(question, '', 'good');
    const truncated = generator.answer(question, '', 'truncated');
    expect(truncated.cut).toBe(true);
    expect(good.text.startsWith(truncated.text)).toBe(true);
    expect(truncated.tokens).toBeLessThan(good.tokens);
    expect(generator.answer(question, '', 'no_code').text).not.toContain('```');
    expect(generator.answer(question, '', 'no_code').text).toContain('## Implementation');
    const offTopic = generator.answer(question, '', 'off_topic').text.toLowerCase();
    expect(offTopic).not.toContain('circuit');
    expect(offTopic).not.toContain('python');
    expect(generator.answer(question, '', 'refusal').text).toMatch(/can't help/);
    const hedging = generator.answer(question, '', 'hedging').text;
    expect(hedging).toMatch(/depends/);
    expect(hedging).not.toContain('##');
  });

  it('writes exactly the sections a prompt asks for, in order, for the research type the prompt states', () => {
    const context = [
      'Answer in Markdown using exactly these `## ` sections, in this order:',
      '1. `## Problem`: Restate the symptom.',
      '2. `## Causes`: Likely causes.',
      '3. `## Fixes`: A fix for each cause.',
      '4. `## Evidence`: Documentation.',
      '5. `## Glossary` (optional): Terms.',
      'Research question (troubleshooting, intermediate, databases, planned):',
    ].join('\n');
    const query = 'What happens when service checkout loses its database connection pool?';
    expect(analyseQuery(query, context).researchType).toBe('troubleshooting');
    expect(analyseQuery(query, context).sections).toEqual(['Problem', 'Causes', 'Fixes', 'Evidence', 'Glossary']);
    const { text } = generator.answer(query, context, 'good');
    expect([...text.matchAll(/^## (.+)$/gm)].map((match) => match[1])).toEqual(['Problem', 'Causes', 'Fixes', 'Evidence', 'Glossary']);
    expect(fence(text) % 2).toBe(0);
    expect(text).toContain('```typescript');
    expect(generator.answer(query, context, 'no_code').text).not.toContain('```');
    // Without a section plan, the generator's own layout for the type.
    expect(analyseQuery(query).sections).toBeUndefined();
    expect(generator.answer(query, '', 'good').text).toMatch(/^## Answer\n/);
  });

  it('is deterministic and cached', () => {
    const other = createAnswerGenerator();
    expect(other.answer(question, 'ctx', 'good').text).toBe(generator.answer(question, 'ctx', 'good').text);
    expect(generator.answer(question, '', 'good')).toBe(generator.answer(question, '', 'good'));
  });

  it('splits into pieces that rejoin exactly and whose tokens add up', () => {
    const answer = generator.answer(question, '', 'good');
    expect(answer.pieces().join('')).toBe(answer.text);
    expect(answer.pieceTokens().reduce((sum, count) => sum + count, 0)).toBe(answer.tokens);
    expect(answer.tokens).toBe(estimateTokens(answer.text));
    expect(answer.textJson).toBe(JSON.stringify(answer.text));
    expect(splitPieces('  a b  ')).toEqual(['  a', ' b  ']);
    expect(splitPieces('   ')).toEqual(['   ']);
  });
});
