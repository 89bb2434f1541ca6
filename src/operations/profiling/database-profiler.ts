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
  /** Calls at or above `minDurationMs`, slowest first (at most `slowLimit`); merged: with the worker each ran in. */
  slowQueries: (CallTiming & { workerId?: number })[];
  /** How many calls reached the threshold (the list may be cut at `slowLimit`). */
  slowCount: number;
  /** Statements the driver ran during the span (absent when the storage cannot report them). */
  totalStatements?: number;
  /** Distinct SQL texts with at least one execution at or above `minDurationMs`, slowest first (at most `slowLimit`). */
  slowStatements?: SlowStatement[];
  /** With `keepDurations`: every call's duration per operation, so profiles of several workers merge exactly (dropped after the merge). */
  operationDurations?: Record<string, number[]>;
  /** The processes whose calls are counted (a merged profile of `serve --workers N`). */
  workersProfiled?: { workerId: number | null; pid: number; error?: string }[];
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
  /** Also return every call's duration per operation (`operationDurations`), for `mergeDatabaseProfiles`. */
  keepDurations?: boolean;
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
    ...(options.keepDurations === true ? { operationDurations: Object.fromEntries([...byOperation].map(([operation, list]) => [operation, list.map((call) => call.durationMs)])) } : {}),
  };
}

/** One worker's database profile, as the fan-out returns it (`serve --workers N`). */
export interface WorkerDatabaseProfile {
  workerId: number | null;
  pid: number;
  profile?: DatabaseProfile;
  error?: string;
}

/**
 * The profiles of every worker over the same span as one: calls of each operation merged (exact
 * percentiles when the workers kept their durations, `keepDurations`), slow calls and slow
 * statements of all workers (a statement's counts summed, its slowest execution kept, the first
 * plan found), totals summed. Each slow call names the worker it ran in.
 */
export function mergeDatabaseProfiles(answers: readonly WorkerDatabaseProfile[], slowLimit = 200): DatabaseProfile {
  const profiles = answers.flatMap((answer) => (answer.profile ? [{ ...answer, profile: answer.profile }] : []));
  const first = profiles[0]?.profile;
  if (!first) throw new Error(`no worker returned a database profile: ${answers.map((answer) => answer.error ?? 'no answer').join('; ')}`);
  const durations = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const { profile } of profiles) {
    for (const operation of profile.operations) {
      errors.set(operation.operation, (errors.get(operation.operation) ?? 0) + operation.errors);
      totals.set(operation.operation, (totals.get(operation.operation) ?? 0) + operation.totalMs);
      const kept = profile.operationDurations?.[operation.operation];
      // Without kept durations, each call counts at the worker's mean (percentiles then approximate).
      const values = kept ?? Array.from({ length: operation.count }, () => operation.mean ?? 0);
      durations.set(operation.operation, [...(durations.get(operation.operation) ?? []), ...values]);
    }
  }
  const operations: QueryStats[] = [...durations].map(([operation, values]) => ({ operation, errors: errors.get(operation) ?? 0, totalMs: totals.get(operation) ?? 0, ...distribution(values) }));
  operations.sort((a, b) => (b.p95 ?? 0) - (a.p95 ?? 0));
  const slowQueries = profiles
    .flatMap(({ workerId, profile }) => profile.slowQueries.map((query) => ({ ...query, ...(workerId === null ? {} : { workerId }) })))
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, slowLimit);
  const reportsSql = profiles.some(({ profile }) => profile.slowStatements !== undefined);
  const statements = new Map<string, SlowStatement>();
  for (const { profile } of profiles) {
    for (const statement of profile.slowStatements ?? []) {
      const seen = statements.get(statement.sql);
      if (!seen) {
        statements.set(statement.sql, { ...statement });
        continue;
      }
      seen.count += statement.count;
      seen.totalMs += statement.totalMs;
      seen.failed += statement.failed;
      if (statement.maxMs > seen.maxMs) {
        seen.maxMs = statement.maxMs;
        seen.at = statement.at;
      }
      if (seen.plan === undefined && statement.plan !== undefined) {
        seen.plan = statement.plan;
        delete seen.planError;
      }
      if (seen.plan === undefined && seen.planError === undefined && statement.planError !== undefined) seen.planError = statement.planError;
    }
  }
  const sum = (read: (profile: DatabaseProfile) => number | undefined) => profiles.reduce((total, { profile }) => total + (read(profile) ?? 0), 0);
  return {
    kind: 'database',
    startedAt: Math.min(...profiles.map(({ profile }) => profile.startedAt)),
    durationMs: Math.max(...profiles.map(({ profile }) => profile.durationMs)),
    dialect: first.dialect,
    minDurationMs: first.minDurationMs,
    totalQueries: sum((profile) => profile.totalQueries),
    operations,
    slowQueries,
    slowCount: sum((profile) => profile.slowCount),
    ...(reportsSql
      ? { totalStatements: sum((profile) => profile.totalStatements), slowStatements: [...statements.values()].sort((a, b) => b.maxMs - a.maxMs).slice(0, slowLimit) }
      : {}),
    workersProfiled: answers.map((answer) => ({ workerId: answer.workerId, pid: answer.pid, ...(answer.error === undefined ? {} : { error: answer.error }) })),
  };
}
