import { describe, expect, it } from 'vitest';
import { chooseCandidate, type Candidate } from './choose-candidate.js';

const candidate = (id: string, similarity: number): Candidate => ({ id, question: id, similarity });
const options = { threshold: 0.7, ambiguityMargin: 0.05, strictAmbiguity: false };

describe('chooseCandidate', () => {
  it('serves the best accepted candidate above the threshold and lists the refused ones', () => {
    const judged: string[] = [];
    const choice = chooseCandidate([candidate('a', 0.95), candidate('b', 0.8), candidate('c', 0.6)], (c) => {
      judged.push(c.id);
      return c.id === 'a' ? ['negation: x'] : [];
    }, options);
    expect(choice.chosen?.id).toBe('b');
    expect(choice.refused.map((c) => c.id)).toEqual(['a']);
    expect(judged).toEqual(['a', 'b']); // c is below the threshold; nothing after b is within the margin
  });

  it('is a miss when nothing is accepted or nothing clears the threshold', () => {
    expect(chooseCandidate([candidate('a', 0.9)], () => ['entity: x'], options).chosen).toBeUndefined();
    expect(chooseCandidate([candidate('a', 0.69)], () => [], options).chosen).toBeUndefined();
  });

  it('refuses an accepted rival within the margin, and in strict mode any rival', () => {
    const close = [candidate('a', 0.9), candidate('b', 0.88)];
    const ambiguous = chooseCandidate(close, () => [], options);
    expect(ambiguous.chosen).toBeUndefined();
    expect(ambiguous).toMatchObject({ rival: { id: 'b' }, best: { id: 'a' } });
    const refusedRival = (c: Candidate) => (c.id === 'b' ? ['entity: x'] : []);
    expect(chooseCandidate(close, refusedRival, options).chosen?.id).toBe('a');
    expect(chooseCandidate(close, refusedRival, { ...options, strictAmbiguity: true }).chosen).toBeUndefined();
    expect(chooseCandidate([candidate('a', 0.9), candidate('b', 0.8)], () => [], { ...options, strictAmbiguity: true }).chosen?.id).toBe('a');
    expect(chooseCandidate(close, () => [], { ...options, ambiguityMargin: 0 }).chosen?.id).toBe('a');
  });
});
