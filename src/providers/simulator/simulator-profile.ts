import type { Random } from '../../core/seeded-random.js';
import { sampleLognormal } from './seeded-random.js';

/** A fixed delay in ms, or a lognormal distribution given by its median and 99th percentile. */
export type LatencySpec = number | { medianMs: number; p99Ms: number };

export const QUALITY_MODES = ['good', 'truncated', 'off_topic', 'refusal', 'no_code', 'hedging'] as const;
/**
 * Answer quality: `good` is a structured research answer to the question; the others are the
 * failure modes a quality gate must catch (`truncated` cuts the answer and reports a length
 * finish; it is not a broken stream, which is the `truncate` scenario).
 */
export type QualityMode = (typeof QUALITY_MODES)[number];

/** How an OpenAI-style stream reports usage: OpenAI's own way, in the finish chunk, or not at all. */
export type StreamUsageStyle = 'separate_chunk' | 'with_finish' | 'none';

/**
 * How one simulated provider behaves. Ratios are probabilities per request (0–1), drawn from
 * the simulator's seeded generator in arrival order. All defaults are instant and healthy.
 */
export interface SimulatorProfile {
  /** Time before the response starts (status line). Non-stream answers also wait out generation. */
  latencyMs: LatencySpec;
  /** Streams: extra wait between the first event and the first text token. */
  timeToFirstTokenMs: LatencySpec;
  /** Generation speed; 0 = instant (whole answer in one write). */
  tokensPerSecond: number;
  /** 5xx with the format's real error body (500, or 503 / Anthropic 529 "overloaded"). */
  errorRatio: number;
  /** 429 with `retry-after` and the format's rate-limit headers. */
  rateLimitRatio: number;
  /** Seconds announced in `retry-after` on 429s. */
  retryAfterSeconds: number;
  /** Accepts the request and never answers (until the client or `close()` gives up). */
  hangRatio: number;
  /** Drops the connection with a TCP reset after reading the request. */
  resetRatio: number;
  /** Streams end mid-answer without the completion signal; plain responses are cut mid-body. */
  truncateRatio: number;
  quality: QualityMode;
  /** Enforced limit per provider in a fixed 60 s window (429 beyond it); 0 = unlimited. */
  requestsPerMinute: number;
  /** OpenAI-style formats only; undefined = the format's default (OpenAI: separate chunk). */
  streamUsage?: StreamUsageStyle;
}

export const DEFAULT_PROFILE: Readonly<SimulatorProfile> = Object.freeze({
  latencyMs: 0,
  timeToFirstTokenMs: 0,
  tokensPerSecond: 0,
  errorRatio: 0,
  rateLimitRatio: 0,
  retryAfterSeconds: 1,
  hangRatio: 0,
  resetRatio: 0,
  truncateRatio: 0,
  quality: 'good',
  requestsPerMinute: 0,
});

export function mergeProfile(base: Readonly<SimulatorProfile>, patch: Partial<SimulatorProfile> | undefined): SimulatorProfile {
  const merged: SimulatorProfile = { ...base };
  if (patch === undefined) return merged;
  for (const [key, value] of Object.entries(patch) as [keyof SimulatorProfile, unknown][]) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  validateProfile(merged);
  return merged;
}

function validateProfile(profile: SimulatorProfile): void {
  for (const key of ['errorRatio', 'rateLimitRatio', 'hangRatio', 'resetRatio', 'truncateRatio'] as const) {
    const value = profile[key];
    if (!(value >= 0 && value <= 1)) throw new RangeError(`simulator profile: ${key} must be within 0..1, got ${value}`);
  }
  const total = profile.errorRatio + profile.rateLimitRatio + profile.hangRatio + profile.resetRatio + profile.truncateRatio;
  if (total > 1) throw new RangeError(`simulator profile: failure ratios add up to ${total}, more than 1`);
  if (!(profile.tokensPerSecond >= 0)) throw new RangeError('simulator profile: tokensPerSecond must be >= 0');
  if (!(profile.requestsPerMinute >= 0)) throw new RangeError('simulator profile: requestsPerMinute must be >= 0');
  if (!(profile.retryAfterSeconds >= 0)) throw new RangeError('simulator profile: retryAfterSeconds must be >= 0');
}

/** Draws one delay from a latency spec (no random draw for fixed delays). */
export function sampleLatency(spec: LatencySpec, random: Random): number {
  if (typeof spec === 'number') return spec;
  return sampleLognormal(random, spec.medianMs, spec.p99Ms);
}
