import { describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER_POLICY, admit, initialBreakerState, recordOutcome, snapshotOf } from './breaker-state.js';
import type { BreakerPolicy } from './breaker-state.js';

const policy: BreakerPolicy = { ...DEFAULT_BREAKER_POLICY, failureThreshold: 3, minimumRequests: 10, errorRateThreshold: 0.5, openDurationMs: 1_000 };

describe('breaker state', () => {
  it('opens after N consecutive failures; a success in between resets the count', () => {
    const state = initialBreakerState();
    recordOutcome(state, policy, 'failure', false, 0);
    recordOutcome(state, policy, 'failure', false, 0);
    recordOutcome(state, policy, 'success', false, 0);
    recordOutcome(state, policy, 'failure', false, 0);
    recordOutcome(state, policy, 'failure', false, 0);
    expect(state.state).toBe('closed');
    recordOutcome(state, policy, 'failure', false, 0);
    expect(state.state).toBe('open');
    expect(admit(state, policy, 500)).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('opens on the error ratio only once the window has the minimum volume', () => {
    const state = initialBreakerState();
    const ratioPolicy = { ...policy, failureThreshold: 100 };
    // Alternate so consecutive failures never reach the threshold: 50 % failures.
    for (let index = 0; index < 8; index += 1) recordOutcome(state, ratioPolicy, index % 2 ? 'failure' : 'success', false, 0);
    expect(state.state).toBe('closed'); // 8 < 10 calls
    recordOutcome(state, ratioPolicy, 'success', false, 0);
    recordOutcome(state, ratioPolicy, 'failure', false, 0);
    expect(state.state).toBe('open');
  });

  it('forgets failures that slid out of the window', () => {
    const state = initialBreakerState();
    const ratioPolicy = { ...policy, failureThreshold: 100, windowMs: 10_000 };
    for (let index = 0; index < 9; index += 1) recordOutcome(state, ratioPolicy, 'failure', false, 0);
    recordOutcome(state, ratioPolicy, 'success', false, 20_000);
    expect(snapshotOf(state, ratioPolicy, 20_000)).toMatchObject({ windowRequests: 1, windowFailures: 0, state: 'closed' });
  });

  it('half-open lets a limited number of probes through; a probe success closes it', () => {
    const state = initialBreakerState();
    for (let index = 0; index < 3; index += 1) recordOutcome(state, policy, 'failure', false, 0);
    expect(snapshotOf(state, policy, 1_000).state).toBe('half_open');
    expect(admit(state, policy, 1_000)).toEqual({ allowed: true, probe: true });
    expect(admit(state, policy, 1_001).allowed).toBe(false); // one probe at a time
    recordOutcome(state, policy, 'success', true, 1_002);
    expect(state.state).toBe('closed');
    expect(admit(state, policy, 1_003)).toEqual({ allowed: true, probe: false });
  });

  it('a failed probe opens it again for a full period; a neutral probe frees the slot', () => {
    const state = initialBreakerState();
    for (let index = 0; index < 3; index += 1) recordOutcome(state, policy, 'failure', false, 0);
    expect(admit(state, policy, 1_000)).toEqual({ allowed: true, probe: true });
    recordOutcome(state, policy, 'neutral', true, 1_001);
    expect(state.state).toBe('half_open');
    expect(admit(state, policy, 1_002)).toEqual({ allowed: true, probe: true });
    recordOutcome(state, policy, 'failure', true, 1_500);
    expect(state.state).toBe('open');
    expect(admit(state, policy, 2_499).allowed).toBe(false);
    expect(admit(state, policy, 2_500).allowed).toBe(true);
  });
});
