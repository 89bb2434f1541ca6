import { FortitudeError } from '../../core/errors.js';

/**
 * A load test from the seed's `load_tests.api_tests` (users, ramp-up, duration, weighted
 * scenarios or a target rate), scaled down so it can run in seconds on one machine: `scale`
 * multiplies users and rates; a `duration` override keeps the ramp-up's share of the run.
 */

/** One load test (a `load_tests.api_tests` entry). */
export interface ApiTest {
  name: string;
  durationMs: number;
  /** Concurrent users at full load. */
  users: number;
  /** Time to reach full load, ms (part of `durationMs`). */
  rampUpMs: number;
  /** Research request kinds by weight (`simple_queries`, `complex_queries`, `quality_intensive`). */
  scenarios?: { name: string; weight: number; requestsPerSecond?: number | undefined }[] | undefined;
  targetRps?: number | undefined;
}

export type RequestKind = 'research_simple' | 'research_complex' | 'research_quality' | 'provider_status' | 'health';

export interface LoadPlan {
  scenario: string;
  scale: number;
  durationMs: number;
  rampUpMs: number;
  /** Most requests in flight at full load (the seed's users). */
  users: number;
  /** Arrival rate at full load, requests per second. */
  targetRps: number;
  /** Share of each request kind, summing to 1. */
  mix: Record<RequestKind, number>;
  /** The configured entry, before scaling. */
  configured: ApiTest;
}

export interface PlanOptions {
  /** Multiplies users and rates (default 1). */
  scale?: number;
  /** Replaces the configured duration, ms. */
  durationMs?: number;
}

/**
 * The seed's benchmark script sends research 70 %, provider status 20 %, health 10 %; research
 * splits by the scenario's weights (simple / complex / quality-intensive), the baseline's
 * 60 / 30 / 10 when a test names none.
 */
export const REQUEST_WEIGHTS = { research: 0.7, provider_status: 0.2, health: 0.1 } as const;
const DEFAULT_RESEARCH_SPLIT = { simple_queries: 60, complex_queries: 30, quality_intensive: 10 };
const RESEARCH_KIND: Record<string, RequestKind> = { simple_queries: 'research_simple', complex_queries: 'research_complex', quality_intensive: 'research_quality' };

/** Bounds of a run from this machine over loopback. */
export const LIMITS = { maxDurationMs: 15 * 60_000, maxUsers: 2_000, maxRps: 5_000 } as const;

export function planLoadTest(tests: readonly ApiTest[], scenario: string, options: PlanOptions = {}): LoadPlan {
  const configured = tests.find((test) => test.name === scenario);
  if (!configured) throw new FortitudeError('bad_request', `--scenario: "${scenario}" is not in load_tests.api_tests; configured: ${tests.map((test) => test.name).join(', ')}`);
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 10)) throw new FortitudeError('bad_request', `--scale: expected a factor above 0 and at most 10 (got ${scale})`);
  const configuredRps =
    configured.targetRps ?? (configured.scenarios?.some((entry) => entry.requestsPerSecond) ? configured.scenarios.reduce((total, entry) => total + (entry.requestsPerSecond ?? 0), 0) : configured.users);
  const durationMs = options.durationMs ?? configured.durationMs;
  if (!(durationMs >= 1000 && durationMs <= LIMITS.maxDurationMs)) throw new FortitudeError('bad_request', `--duration: expected 1 s to ${LIMITS.maxDurationMs / 60_000} min (got ${durationMs / 1000} s)`);
  const rampShare = configured.durationMs > 0 ? Math.min(1, configured.rampUpMs / configured.durationMs) : 0;
  const users = Math.max(1, Math.round(configured.users * scale));
  const targetRps = Math.max(0.5, configuredRps * scale);
  if (users > LIMITS.maxUsers || targetRps > LIMITS.maxRps) {
    throw new FortitudeError('bad_request', `scaled load of ${users} users at ${targetRps} rps is above this tool's bound (${LIMITS.maxUsers} users, ${LIMITS.maxRps} rps); lower --scale`);
  }

  const split: Record<string, number> = {};
  for (const entry of configured.scenarios ?? []) if (RESEARCH_KIND[entry.name]) split[entry.name] = entry.weight;
  const researchSplit = Object.keys(split).length > 0 ? split : DEFAULT_RESEARCH_SPLIT;
  const splitTotal = Object.values(researchSplit).reduce((total, weight) => total + weight, 0);
  const mix: Record<RequestKind, number> = { research_simple: 0, research_complex: 0, research_quality: 0, provider_status: REQUEST_WEIGHTS.provider_status, health: REQUEST_WEIGHTS.health };
  for (const [name, weight] of Object.entries(researchSplit)) mix[RESEARCH_KIND[name]!] += (REQUEST_WEIGHTS.research * weight) / splitTotal;

  return {
    scenario,
    scale,
    durationMs,
    rampUpMs: options.durationMs !== undefined ? Math.round(durationMs * rampShare) : configured.rampUpMs,
    users,
    targetRps,
    mix,
    configured,
  };
}

/** Arrival time (ms from start) of the `index`-th request (0-based): the rate ramps linearly to `targetRps`, then holds. */
export function arrivalTime(plan: Pick<LoadPlan, 'targetRps' | 'rampUpMs'>, index: number): number {
  const rate = plan.targetRps / 1000; // per ms
  const ramp = plan.rampUpMs;
  const n = index + 1;
  const duringRamp = (rate * ramp) / 2; // arrivals while ramping
  if (ramp > 0 && n <= duringRamp) return Math.sqrt((2 * ramp * n) / rate);
  return ramp + (n - (ramp > 0 ? duringRamp : 0)) / rate;
}

/** Users (concurrency cap) at `elapsedMs`: ramps with the rate, at least one. */
export function usersAt(plan: Pick<LoadPlan, 'users' | 'rampUpMs'>, elapsedMs: number): number {
  if (plan.rampUpMs <= 0 || elapsedMs >= plan.rampUpMs) return plan.users;
  return Math.max(1, Math.ceil((plan.users * elapsedMs) / plan.rampUpMs));
}
