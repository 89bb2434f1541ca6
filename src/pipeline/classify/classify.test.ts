import { describe, expect, it } from 'vitest';
import { RESEARCH_TYPES } from '../../core/research.js';
import { classify } from './classify.js';

describe('classify', () => {
  it.each([
    ['Should I use tokio or async-std for a new CLI?', 'decision'],
    ['Postgres vs MySQL for analytics workloads', 'decision'],
    ['How do I implement a rate limiter in Express?', 'implementation'],
    ['Show me an example of a GitHub Actions matrix build', 'implementation'],
    ["TypeError: Cannot read properties of undefined (reading 'map') in my React component", 'troubleshooting'],
    ['My service keeps crashing with exit code 137 after the deploy', 'troubleshooting'],
    ['What is a monad?', 'learning'],
    ['Explain how consensus works in Raft', 'learning'],
    ['Is it safe to use eval on user input in a sandboxed worker?', 'validation'],
    ['Review my approach: I store refresh tokens in an httpOnly cookie', 'validation'],
  ])('types %j as %s', (query, expected) => {
    const result = classify(query);
    expect(result.researchType.value).toBe(expected);
    expect(result.researchType.signals.length).toBeGreaterThan(0);
    expect(result.researchType.signals[0]).not.toBe('default');
  });

  it('explains decisions with the signals that fired', () => {
    const result = classify('Should I use tokio or async-std for a new CLI?');
    expect(result.researchType.signals).toContain('phrase:"should i/we <verb>"');
    expect(result.domain.value).toBe('rust');
    expect(result.domain.signals).toContain('term:"tokio"');
  });

  it('lets an explicit type override the classifier with confidence 1', () => {
    const result = classify('Why does my build fail with a linker error?', { type: 'learning' });
    expect(result.researchType).toEqual({ value: 'learning', confidence: 1, signals: ['explicit'] });
    expect(classify('Why does my build fail with a linker error?').researchType.value).toBe('troubleshooting');
  });

  it('always returns a type, with low confidence when nothing matches', () => {
    for (const query of ['', '   ', 'qwerty zxcv', '🙂']) {
      const result = classify(query);
      expect(RESEARCH_TYPES).toContain(result.researchType.value);
      expect(result.researchType.confidence).toBeLessThan(0.5);
      expect(result.researchType.signals).toEqual(['default']);
      expect(result.domain.value).toBe('general');
    }
  });

  it('reports confidences in (0, 1) and never 1 unless explicit', () => {
    const result = classify('error[E0502]: cannot borrow `x` as mutable because it is also borrowed as immutable');
    for (const dimension of [result.researchType, result.audience, result.domain, result.urgency]) {
      expect(dimension.confidence).toBeGreaterThan(0);
      expect(dimension.confidence).toBeLessThan(1);
    }
    expect(result.researchType.value).toBe('troubleshooting');
    expect(result.domain.value).toBe('rust');
    expect(result.urgency.value).toBe('immediate');
  });

  it('detects audience cues', () => {
    expect(classify("I'm new to Python — what are list comprehensions, in simple terms?").audience.value).toBe('beginner');
    expect(classify('How does the Linux page cache interact with mmap and io_uring under memory pressure?').audience.value).toBe(
      'advanced',
    );
  });

  it('detects urgency cues', () => {
    expect(classify('Production is down: our API returns 502 since the deploy, urgent').urgency.value).toBe('immediate');
    expect(classify('What is the difference between a mutex and a semaphore?').urgency.value).toBe('exploratory');
  });

  it('classifies domains from technology names', () => {
    expect(classify('How do I write a Helm chart for a Kubernetes StatefulSet?').domain.value).toBe('devops');
    expect(classify('How do I create a GIN index on a jsonb column in PostgreSQL?').domain.value).toBe('database');
    expect(classify('How do I fine-tune a Llama model with LoRA?').domain.value).toBe('ai');
    expect(classify('Why does pandas use so much memory for string columns in Python?').domain.value).toBe('python');
    expect(classify('How do I prevent XSS and CSRF in a server-rendered app?').domain.value).toBe('security');
  });

  it('handles a huge pasted log without throwing', () => {
    const query = `Getting this: ${'at Object.<anonymous> (/app/index.js:12:3)\n'.repeat(5_000)}`;
    expect(classify(query).researchType.value).toBe('troubleshooting');
  });
});
