/**
 * The circuit breaker as pure functions over a plain state record, so a store can apply them
 * in memory now and a shared store can reimplement the same transitions atomically later.
 *
 * closed ──(N consecutive failures, or failure ratio ≥ threshold over ≥ minimumRequests in the
 * window)──▶ open ──(openDurationMs)──▶ half_open ──(probe succeeds)──▶ closed
 *                                          └──(probe fails)──▶ open
 */

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker (default 5). */
  failureThreshold: number;
  /** Failure ratio 0–1 over the window that opens it (default 0.5)… */
  errorRateThreshold: number;
  /** …once the window holds at least this many calls (default 20). */
  minimumRequests: number;
  /** Rolling window for the ratio, in ms (default 60 s), counted in 10 buckets. */
  windowMs: number;
  /** How long the breaker stays open before letting probes through, in ms (default 30 s). */
  openDurationMs: number;
  /** Concurrent probe calls allowed while half-open (default 1). */
  halfOpenMaxProbes: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 5,
  errorRateThreshold: 0.5,
  minimumRequests: 20,
  windowMs: 60_000, // 1 min
  openDurationMs: 30_000, // 30 s
  halfOpenMaxProbes: 1,
};

const WINDOW_BUCKETS = 10;

interface WindowBucket {
  index: number;
  requests: number;
  failures: number;
}

export interface BreakerState {
  state: BreakerStateName;
  consecutiveFailures: number;
  /** When the breaker last opened (epoch ms); 0 when never. */
  openedAt: number;
  probesInFlight: number;
  window: WindowBucket[];
}

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAfterMs: number };

/** How a call ended, from the breaker's point of view. */
export type BreakerOutcome = 'success' | 'failure' | 'neutral';

export interface BreakerSnapshot {
  state: BreakerStateName;
  consecutiveFailures: number;
  windowRequests: number;
  windowFailures: number;
  /** While open: ms until probes are let through. */
  retryAfterMs: number;
  probesInFlight: number;
}

export function initialBreakerState(): BreakerState {
  return { state: 'closed', consecutiveFailures: 0, openedAt: 0, probesInFlight: 0, window: [] };
}

function bucketMs(policy: BreakerPolicy): number {
  return Math.max(1, policy.windowMs / WINDOW_BUCKETS);
}

function trimWindow(state: BreakerState, policy: BreakerPolicy, now: number): void {
  const oldest = Math.floor(now / bucketMs(policy)) - WINDOW_BUCKETS + 1;
  while (state.window.length > 0 && state.window[0]!.index < oldest) state.window.shift();
}

function count(state: BreakerState, policy: BreakerPolicy, now: number, failed: boolean): void {
  trimWindow(state, policy, now);
  const index = Math.floor(now / bucketMs(policy));
  let bucket = state.window[state.window.length - 1];
  if (!bucket || bucket.index !== index) state.window.push((bucket = { index, requests: 0, failures: 0 }));
  bucket.requests += 1;
  if (failed) bucket.failures += 1;
}

function totals(state: BreakerState): { requests: number; failures: number } {
  let requests = 0;
  let failures = 0;
  for (const bucket of state.window) {
    requests += bucket.requests;
    failures += bucket.failures;
  }
  return { requests, failures };
}

function open(state: BreakerState, now: number): void {
  state.state = 'open';
  state.openedAt = now;
  state.probesInFlight = 0;
}

/** Decides whether a call may go out; mutates `state` (open → half_open, probe slots). */
export function admit(state: BreakerState, policy: BreakerPolicy, now: number): Admission {
  if (state.state === 'open') {
    const remaining = state.openedAt + policy.openDurationMs - now;
    if (remaining > 0) return { allowed: false, retryAfterMs: remaining };
    state.state = 'half_open';
    state.probesInFlight = 0;
  }
  if (state.state === 'half_open') {
    if (state.probesInFlight >= policy.halfOpenMaxProbes) return { allowed: false, retryAfterMs: Math.min(1_000, policy.openDurationMs) };
    state.probesInFlight += 1;
    return { allowed: true, probe: true };
  }
  return { allowed: true, probe: false };
}

/** Applies a finished call's outcome; `probe` is what `admit` said for that call. */
export function recordOutcome(state: BreakerState, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): void {
  if (probe) {
    state.probesInFlight = Math.max(0, state.probesInFlight - 1);
    if (state.state !== 'half_open') return;
    if (outcome === 'success') {
      state.state = 'closed';
      state.consecutiveFailures = 0;
      state.window = [];
    } else if (outcome === 'failure') {
      open(state, now);
    }
    return;
  }
  if (outcome === 'neutral') return;
  count(state, policy, now, outcome === 'failure');
  if (state.state !== 'closed') return; // a straggler admitted before the breaker opened
  if (outcome === 'success') {
    state.consecutiveFailures = 0;
    return;
  }
  state.consecutiveFailures += 1;
  const { requests, failures } = totals(state);
  const ratioTripped = requests >= policy.minimumRequests && failures / requests >= policy.errorRateThreshold;
  if (state.consecutiveFailures >= policy.failureThreshold || ratioTripped) open(state, now);
}

export function snapshotOf(state: BreakerState, policy: BreakerPolicy, now: number): BreakerSnapshot {
  trimWindow(state, policy, now);
  const { requests, failures } = totals(state);
  const openRemaining = state.openedAt + policy.openDurationMs - now;
  // An open breaker whose time is up will let the next call through as a probe.
  const effective: BreakerStateName = state.state === 'open' && openRemaining <= 0 ? 'half_open' : state.state;
  return {
    state: effective,
    consecutiveFailures: state.consecutiveFailures,
    windowRequests: requests,
    windowFailures: failures,
    retryAfterMs: effective === 'open' ? openRemaining : 0,
    probesInFlight: state.probesInFlight,
  };
}
