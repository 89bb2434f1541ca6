/**
 * One alert's lifecycle, as a pure step function (the engine keeps the state and the clock):
 *
 *   inactive ──holds──▶ pending ──held for `duration`──▶ firing ──stops holding──▶ resolved
 *       ▲                  │                                                        │
 *       └──stops holding───┘                        holds again ──▶ pending ◀───────┘
 *
 * With `duration` 0 a holding condition fires at once. "No data" counts as not holding, so a
 * firing alert resolves when traffic stops (as Prometheus does).
 */

export type AlertStateName = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertStatus {
  state: AlertStateName;
  /** When the current state was entered, ms. */
  since: number;
  /** When the condition started holding (pending/firing), ms. */
  activeSince: number | null;
  /** Last observed value; null when there was no data. */
  value: number | null;
  lastEvaluatedAt: number | null;
}

export interface StateChange {
  from: AlertStateName;
  to: AlertStateName;
  at: number;
  value: number | null;
  activeSince: number | null;
}

export function initialStatus(now: number): AlertStatus {
  return { state: 'inactive', since: now, activeSince: null, value: null, lastEvaluatedAt: null };
}

/** Advances `status` in place for one evaluation; returns the change, if any. */
export function stepAlert(status: AlertStatus, holds: boolean, value: number | null, now: number, durationMs: number): StateChange | undefined {
  status.value = value;
  status.lastEvaluatedAt = now;
  const from = status.state;
  let to: AlertStateName = from;
  if (holds) {
    if (from === 'inactive' || from === 'resolved') {
      status.activeSince = now;
      to = durationMs <= 0 ? 'firing' : 'pending';
    } else if (from === 'pending' && now - (status.activeSince ?? now) >= durationMs) {
      to = 'firing';
    }
  } else if (from === 'pending') {
    to = 'inactive';
  } else if (from === 'firing') {
    to = 'resolved';
  }
  if (to === from) return undefined;
  const change: StateChange = { from, to, at: now, value, activeSince: status.activeSince };
  status.state = to;
  status.since = now;
  if (to === 'inactive' || to === 'resolved') status.activeSince = null;
  return change;
}
