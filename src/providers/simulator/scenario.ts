import type { Random } from '../../core/seeded-random.js';
import { QUALITY_MODES, type QualityMode, type SimulatorProfile } from './simulator-profile.js';

/** Header a test sets to force one outcome for one request. */
export const SCENARIO_HEADER = 'x-simulator-scenario';

export const FAILURE_SCENARIOS = [
  'ok',
  'error_500',
  'error_503',
  'overloaded',
  'rate_limit',
  'hang',
  'reset',
  'truncate',
  'stream_error',
  'bad_request',
  'unauthorized',
  'not_found',
  'content_filter',
] as const;

/**
 * What happens to one request. `ok` and the quality modes (`good`, `truncated`, `off_topic`,
 * `refusal`, `no_code`, `hedging`) answer 200; the rest fail in the format's own way:
 * `overloaded` is Anthropic's 529 (503 elsewhere), `truncate` cuts the stream without its
 * completion signal, `stream_error` sends the format's in-stream error event mid-answer,
 * `content_filter` answers with the format's safety finish reason.
 */
export type Scenario = (typeof FAILURE_SCENARIOS)[number] | QualityMode;

const KNOWN: ReadonlySet<string> = new Set<string>([...FAILURE_SCENARIOS, ...QUALITY_MODES]);

export function isScenario(value: string): value is Scenario {
  return KNOWN.has(value);
}

export function isQualityMode(value: Scenario): value is QualityMode {
  return (QUALITY_MODES as readonly string[]).includes(value);
}

/**
 * One uniform draw decides the outcome, in a fixed order of ratios, so a seeded run is
 * reproducible. Server errors alternate between 500 and 503 using the same draw.
 */
export function drawScenario(profile: SimulatorProfile, random: Random): Scenario {
  const total = profile.hangRatio + profile.resetRatio + profile.errorRatio + profile.rateLimitRatio + profile.truncateRatio;
  if (total === 0) return 'ok';
  let draw = random();
  if (draw < profile.hangRatio) return 'hang';
  draw -= profile.hangRatio;
  if (draw < profile.resetRatio) return 'reset';
  draw -= profile.resetRatio;
  if (draw < profile.errorRatio) return draw < profile.errorRatio / 2 ? 'error_500' : 'overloaded';
  draw -= profile.errorRatio;
  if (draw < profile.rateLimitRatio) return 'rate_limit';
  draw -= profile.rateLimitRatio;
  if (draw < profile.truncateRatio) return 'truncate';
  return 'ok';
}
