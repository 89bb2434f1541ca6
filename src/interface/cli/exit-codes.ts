import type { ErrorCode } from '../../core/errors.js';

/** CLI exit code per error code; the compiler keeps this complete. 2 = fix your input. */
export const EXIT_CODE = {
  config_invalid: 2,
  bad_request: 2,
  not_found: 3,
  model_not_found: 3,
  unauthorized: 4,
  forbidden: 4,
  rate_limited: 5,
  budget_exceeded: 5,
  provider_error: 6,
  provider_unavailable: 6,
  timeout: 6,
  not_implemented: 7,
  storage_error: 8,
  internal: 1,
} as const satisfies Record<ErrorCode, number>;

/** `fortitude benchmark` ran to the end but printed FAIL for a `performance_targets` entry. */
export const BENCHMARK_FAILED_EXIT_CODE = 9;
