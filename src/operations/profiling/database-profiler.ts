import { instrumentObject, type CallTiming } from './intercept.js';
import { distribution, waitFor, type Distribution } from './wait.js';

/**
 * Storage queries over a span, timed at two levels. At the repository boundary: every repository
 * method (`providerRequests.insertMany`, `learning.listRecent`, …) is wrapped for the duration and
 * put back afterwards; one repository call is one query or one transaction. At the driver: every
 * statement (including those made through `storage.db` directly and inside transactions) is
 * reported by the storage's Kysely log hook with its SQL text — placeholders, never parameter
 * values, which may hold user data. Slow statements are grouped by SQL text and, on request,
 * explained after the span (EXPLAIN without ANALYZE: nothing is run again).
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
  /** Statements the driver ran during the span (absent when the storage cannot report them). */
  totalStatements?: number;
  /** Distinct SQL texts with at least one execution at or above `minDurationMs`, slowest first (at most `slowLimit`). */
  slowStatements?: SlowStatement[];
}

export interface SlowStatement {
  /** As sent to the database, with `?` / `$n` placeholders; never parameter values. */
  sql: string;
  /** Executions at or above the threshold. */
  count: number;
  maxMs: number;
  totalMs: number;
  /** ms since the epoch of the slowest execution's end. */
  at: number;
  failed: number;
  /** With `explain`: the plan, one line per node. */
  plan?: string[];
  /** With `explain`: why there is no plan (e.g. a statement kind that cannot be explained). */
  planError?: string;
}

/** What the profiler needs of a statement reported by the storage (infrastructure/storage/query-observer.ts). */
export interface ObservedStatement {
  sql: string;
  parameterCount: number;
  at: number;
  durationMs: number;
  ok: boolean;
}

/** Statements explained per profile, at most: each is one round trip after the span. */
export const MAX_EXPLAINED = 20;

export interface DatabaseProfileOptions {
  durationMs: number;
  minDurationMs: number;
  signal?: AbortSignal;
  slowLimit?: number;
  /** Ask the database for the plan of the slowest statements (up to `MAX_EXPLAINED`). */
  explain?: boolean;
}

export interface ProfiledStorage {
  readonly dialect: string;
  healthCheck?: unknown;
  observeQueries?: (listener: (statement: ObservedStatement) => void) => () => void;
  explain?: (sql: string, parameterCount: number) => Promise<string[]>;
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
  const slowGroups = new Map<string, SlowStatement & { parameterCount: number }>();
  let totalStatements = 0;
  const observing = storage.observeQueries;
  if (typeof observing === 'function') {
    undos.push(
      observing.call(storage, (statement) => {
        totalStatements++;
        if (statement.durationMs < options.minDurationMs) return;
        const group = slowGroups.get(statement.sql);
        if (group === undefined) {
          slowGroups.set(statement.sql, {
            sql: statement.sql,
            parameterCount: statement.parameterCount,
            count: 1,
            maxMs: statement.durationMs,
            totalMs: statement.durationMs,
            at: statement.at,
            failed: statement.ok ? 0 : 1,
          });
          return;
        }
        group.count++;
        group.totalMs += statement.durationMs;
        if (!statement.ok) group.failed++;
        if (statement.durationMs > group.maxMs) {
          group.maxMs = statement.durationMs;
          group.at = statement.at;
        }
      }),
    );
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
  const limit = options.slowLimit ?? 200;
  const groups = [...slowGroups.values()].sort((a, b) => b.maxMs - a.maxMs).slice(0, limit);
  if (options.explain === true && typeof storage.explain === 'function') {
    for (const group of groups.slice(0, MAX_EXPLAINED)) {
      if (options.signal?.aborted === true) break;
      try {
        group.plan = await storage.explain.call(storage, group.sql, group.parameterCount);
      } catch (error) {
        group.planError = error instanceof Error ? error.message : String(error);
      }
    }
  }
  const slowStatements: SlowStatement[] = groups.map(({ parameterCount: _parameterCount, ...group }) => group);
  return {
    kind: 'database',
    startedAt,
    durationMs: performance.now() - started,
    dialect: storage.dialect,
    minDurationMs: options.minDurationMs,
    totalQueries: calls.length,
    operations,
    slowQueries: slow.slice(0, limit),
    slowCount: slow.length,
    ...(typeof observing === 'function' ? { totalStatements, slowStatements } : {}),
  };
}
