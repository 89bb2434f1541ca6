import type { BreakerPolicy } from './breaker-state.js';

/**
 * A provider's validated `circuit_breaker:` block (durations in seconds, the ratio a fraction).
 * Declared structurally so `providers/` does not import `app/config`.
 */
export interface BreakerConfigShape {
  consecutive_failures: number;
  failure_ratio: number;
  minimum_requests: number;
  window: number;
  open_duration: number;
}

const SECOND = 1_000;

/** Maps the config block to the breaker's policy (seconds → ms, snake → camel). */
export function breakerPolicyFromConfig(config: BreakerConfigShape): Partial<BreakerPolicy> {
  return {
    failureThreshold: config.consecutive_failures,
    errorRateThreshold: config.failure_ratio,
    minimumRequests: config.minimum_requests,
    windowMs: config.window * SECOND,
    openDurationMs: config.open_duration * SECOND,
  };
}
