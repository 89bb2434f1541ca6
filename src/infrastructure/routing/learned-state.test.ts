import { describe, expect, it } from 'vitest';
import { PendingObservations, type LearnedObservation } from './learned-state.js';

const call = (at: number): LearnedObservation => ({ kind: 'call', provider: 'p', researchType: 'learning', at, ok: true, latencyMs: 1, costUsd: 0 });
const ats = (batch: readonly LearnedObservation[]) => batch.map((observation) => (observation.kind === 'call' ? observation.at : -1));

describe('PendingObservations', () => {
  it('keeps the newest `limit` observations, oldest first, and empties on take', () => {
    const pending = new PendingObservations(3);
    for (let at = 1; at <= 5; at += 1) pending.push(call(at));
    expect(ats(pending.take())).toEqual([3, 4, 5]);
    expect(pending.take()).toEqual([]);
  });

  it('keeps the newest `limit` however many arrive (past twice the limit too) and between takes', () => {
    const pending = new PendingObservations(3);
    for (let at = 1; at <= 20; at += 1) pending.push(call(at));
    expect(ats(pending.take())).toEqual([18, 19, 20]);
    for (let at = 21; at <= 25; at += 1) pending.push(call(at));
    const batch = pending.take();
    expect(ats(batch)).toEqual([23, 24, 25]);
    pending.push(call(26));
    pending.putBack(batch);
    expect(ats(pending.take())).toEqual([24, 25, 26]);
  });

  it('puts an unwritten batch back before what arrived meanwhile, still bounded', () => {
    const pending = new PendingObservations(3);
    pending.push(call(1));
    pending.push(call(2));
    const batch = pending.take();
    pending.push(call(3));
    pending.push(call(4));
    pending.putBack(batch);
    expect(ats(pending.take())).toEqual([2, 3, 4]);
  });
});
