import { FortitudeError } from '../../../core/errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `7d`, `24h`, `90m`, `2w` → milliseconds; throws `bad_request` otherwise. */
export function parseTimeRange(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/i.exec(text);
  if (!match) throw new FortitudeError('bad_request', `time range "${text}" is not like 30d, 24h, 90m or 2w`);
  const ms = Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
  if (!(ms > 0)) throw new FortitudeError('bad_request', `time range "${text}" must be positive`);
  return ms;
}

/** The window `[now − range, now)`, epoch ms. */
export function windowFor(timeRange: string, now: number): { from: number; to: number } {
  return { from: now - parseTimeRange(timeRange), to: now };
}
