import { describe, expect, it } from 'vitest';
import { PAIR_FEATURE_NAMES, pairFeatures } from './pair-features.js';
import { PAIR_MODEL } from './pair-model.generated.js';
import { scorePair } from './pair-model.js';
import { extractFeatures } from './question-features.js';
import { verifyMatch } from './verify-match.js';

const score = (query: string, cached: string, similarity = 0.9) => scorePair(PAIR_MODEL, extractFeatures(query), extractFeatures(cached), similarity);

describe('learned pair model', () => {
  it('ships weights for exactly the features pairFeatures computes', () => {
    expect(PAIR_MODEL.features).toEqual([...PAIR_FEATURE_NAMES]);
    expect(PAIR_MODEL.weights).toHaveLength(PAIR_FEATURE_NAMES.length);
    expect(pairFeatures(extractFeatures('How do I install Redis?'), extractFeatures('How do I install Redis?'), 1)).toHaveLength(PAIR_FEATURE_NAMES.length);
    expect(PAIR_MODEL.gate).toBeGreaterThanOrEqual(0);
    expect(PAIR_MODEL.gate).toBeLessThan(1);
  });

  it('scores a rewording above a one-word edit of the same text', () => {
    const reworded = score('How can I set up Redis on Ubuntu?', 'How do I install Redis on Ubuntu?');
    const edited = score('How do I install Redis on Ubuntu at night?', 'How do I install Redis on Ubuntu?');
    expect(reworded).toBeGreaterThan(edited);
  });

  it('gates a candidate the rules accepted, and reports why', () => {
    const decision = verifyMatch(extractFeatures('How can I set up Redis on Ubuntu 22.04?'), extractFeatures('How do I install Redis on Ubuntu 22.04?'), 0.9, { pairGate: 0.999999 });
    expect(decision.accepted).toBe(false);
    expect(decision.reasons[0]).toMatch(/^model: same-question probability/);
    expect(verifyMatch(extractFeatures('How can I set up Redis on Ubuntu 22.04?'), extractFeatures('How do I install Redis on Ubuntu 22.04?'), 0.9, { pairModel: false, pairGate: 0.999999 }).accepted).toBe(true);
  });

  it('opt-in pairAccept overrides only the key-terms checks, never a hard one', () => {
    const negated = verifyMatch(extractFeatures('Why does my container not exit?'), extractFeatures('Why does my container exit?'), 0.95, { pairAccept: 0 });
    expect(negated.accepted).toBe(false);
    const query = extractFeatures('The `drop` method is used to drop one or more columns and return a new table.');
    const cached = extractFeatures('The `drop` function is employed to eliminate one or more columns and generate a fresh table.');
    const rules = verifyMatch(query, cached, 0.9);
    expect(rules.reasons.every((reason) => reason.startsWith('key-terms'))).toBe(true);
    expect(rules.accepted).toBe(false);
    expect(verifyMatch(query, cached, 0.9, { pairAccept: 0 }).accepted).toBe(true);
  });
});
