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

  it('nearest only: a refused nearest candidate makes the lookup a miss, however good a farther one', () => {
    const judged: string[] = [];
    const judge = (c: Candidate) => {
      judged.push(c.id);
      return c.id === 'a' ? ['key-terms: "for a large team" only in query'] : [];
    };
    const list = [candidate('a', 0.95), candidate('b', 0.8)];
    const choice = chooseCandidate(list, judge, { ...options, nearestOnly: true });
    expect(choice.chosen).toBeUndefined();
    expect(choice.refused.map((c) => c.id)).toEqual(['a']);
    expect(judged).toEqual(['a']);
    expect(chooseCandidate(list, judge, options).chosen?.id).toBe('b');
    expect(chooseCandidate([candidate('b', 0.9), candidate('a', 0.8)], judge, { ...options, nearestOnly: true }).chosen?.id).toBe('b');
    expect(chooseCandidate([], judge, { ...options, nearestOnly: true }).chosen).toBeUndefined();
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

  it('strict mode: candidates that cannot be served are not verified, and the outcome is the same as verifying them all', () => {
    const strict = { ...options, strictAmbiguity: true };
    const judged: string[] = [];
    const allRivals = chooseCandidate([candidate('a', 0.9), candidate('b', 0.88), candidate('c', 0.8), candidate('d', 0.78)], (c) => {
      judged.push(c.id);
      return [];
    }, strict);
    expect(allRivals.chosen).toBeUndefined();
    expect(judged).toEqual([]);
    expect(allRivals.unservable.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);

    // Same decision as verifying everything, over many random candidate lists and verdicts.
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 2_000; round++) {
      const list = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, index) => candidate(`c${index}`, 0.65 + random() * 0.35)).sort((x, y) => y.similarity - x.similarity);
      const verdicts = new Map(list.map((c) => [c.id, random() < 0.5 ? [] : ['entity: x']]));
      const judge = (c: Candidate) => verdicts.get(c.id)!;
      const pruned = chooseCandidate(list, judge, strict);
      const full = chooseCandidate(list, judge, { ...strict, verifyAll: true });
      expect(pruned.chosen?.id).toBe(full.chosen?.id);
      const nearest = chooseCandidate(list, judge, { ...strict, nearestOnly: true });
      expect(nearest.chosen?.id).toBe(chooseCandidate(list, judge, { ...strict, nearestOnly: true, verifyAll: true }).chosen?.id);
      if (nearest.chosen) expect(nearest.chosen.id).toBe(list.find((c) => c.similarity >= strict.threshold)?.id);
      expect(pruned.unservable.length + pruned.refused.length).toBeLessThanOrEqual(list.length);
    }
  });
});

