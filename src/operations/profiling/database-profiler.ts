import { instrumentObject, type CallTiming } from './intercept.js';
import { distribution, waitFor, type Distribution } from './wait.js';

/**
 * Storage queries over a span, timed at the repository boundary: every repository method
 * (`providerRequests.insertMany`, `learning.listRecent`, …) is wrapped for the duration and put
 * back afterwards. One repository call is one query or one transaction. Queries made through
 * `storage.db` directly are not seen.
 */

/** Repositories of `Storage` (infrastructure/storage/storage.ts) that are timed by default. */
export const STORAGE_REPOSITORIES = ['researchResults', 'feedback', 'qualityMetrics', 'providerRequests', 'apiKeys', 'patterns', 'learning'] as const;

export interface QueryStats extends Distribution {
  operation: string;
  errors: number;
  totalMs: number;
}

export interface DatabaseProfile {
  kind: 'database';
  startedAt: number;
  durationMs: number;
  dialect: string;
  minDurationMs: number;
  totalQueries: number;
  /** Per operation, slowest p95 first. */
  operations: QueryStats[];
  /** Calls at or above `minDurationMs`, slowest first (at most `slowLimit`). */
  slowQueries: CallTiming[];
  /** How many calls reached the threshold (the list may be cut at `slowLimit`). */
  slowCount: number;
}

export interface DatabaseProfileOptions {
  durationMs: number;
  minDurationMs: number;
  signal?: AbortSignal;
  slowLimit?: number;
}

export interface ProfiledStorage {
  readonly dialect: string;
  healthCheck?: unknown;
}

export async function profileStorage(storage: ProfiledStorage, options: DatabaseProfileOptions): Promise<DatabaseProfile> {
  const calls: CallTiming[] = [];
  const record = (timing: CallTiming) => calls.push(timing);
  const undos: (() => void)[] = [];
  const repositories = storage as unknown as Record<string, unknown>;
  for (const name of STORAGE_REPOSITORIES) {
    const repository = repositories[name];
    if (typeof repository === 'object' && repository !== null) undos.push(instrumentObject(repository, name, record));
  }
  const startedAt = Date.now();
  const started = performance.now();
  try {
    await waitFor(options.durationMs, options.signal);
  } finally {
    for (const undo of undos) undo();
  }
  const byOperation = new Map<string, CallTiming[]>();
  for (const call of calls) {
    const list = byOperation.get(call.name);
    if (list) list.push(call);
    else byOperation.set(call.name, [call]);
  }
  const operations: QueryStats[] = [...byOperation].map(([operation, list]) => ({
    operation,
    errors: list.filter((call) => !call.ok).length,
    totalMs: list.reduce((total, call) => total + call.durationMs, 0),
    ...distribution(list.map((call) => call.durationMs)),
  }));
  operations.sort((a, b) => (b.p95 ?? 0) - (a.p95 ?? 0));
  const slow = calls.filter((call) => call.durationMs >= options.minDurationMs).sort((a, b) => b.durationMs - a.durationMs);
  return {
    kind: 'database',
    startedAt,
    durationMs: performance.now() - started,
    dialect: storage.dialect,
    minDurationMs: options.minDurationMs,
    totalQueries: calls.length,
    operations,
    slowQueries: slow.slice(0, options.slowLimit ?? 200),
    slowCount: slow.length,
  };
}
