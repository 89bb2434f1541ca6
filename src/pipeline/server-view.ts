import type { FanoutResult } from '../infrastructure/cluster/worker-fanout.js';
import type { LearningStatus, ProviderEstimate } from './routing/router.js';

/**
 * One answer for the whole server from every worker's own state (`fortitude serve --workers N`):
 * what `/api/providers/status`, `/api/cache/stats` and `/api/admin/learning` return. Pure
 * functions over the workers' answers, so N consecutive calls give the same counts whichever
 * worker received them.
 */

/** Which workers answered; part of every aggregated answer. */
export interface ProcessesAnswered {
  asked: number;
  answered: number;
  /** Worker ids (null: a single process) and pids that answered, and any that failed. */
  workers: { workerId: number | null; pid: number; error?: string }[];
}

export function processesOf(result: FanoutResult): ProcessesAnswered {
  return {
    asked: result.expected,
    answered: result.answers.filter((answer) => answer.error === undefined).length,
    workers: result.answers.map((answer) => ({ workerId: answer.workerId, pid: answer.pid, ...(answer.error === undefined ? {} : { error: answer.error }) })),
  };
}

const valuesOf = <T>(result: FanoutResult<T>): T[] => result.answers.flatMap((answer) => (answer.error === undefined && answer.value !== undefined ? [answer.value] : []));

type Entry = Record<string, unknown>;
const BREAKER_SEVERITY: Record<string, number> = { closed: 0, half_open: 1, 'half-open': 1, open: 2 };
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * Provider status across workers, one entry per provider: requests summed, error rate and
 * latency percentiles weighted by each worker's requests (a percentile of merged samples is not
 * recoverable from percentiles; `/metrics` has the exact histograms), the worst breaker state,
 * healthy only when healthy in every worker, the smallest rate-limit budget left (the buckets are
 * shared by the machine's workers, so every worker sees about the same), in-flight and queued summed.
 */
export function mergeProviderStatus(result: FanoutResult<unknown[]>): Entry[] {
  const byName = new Map<string, Entry[]>();
  for (const list of valuesOf(result)) {
    for (const entry of list as Entry[]) {
      const name = String(entry.name);
      byName.set(name, [...(byName.get(name) ?? []), entry]);
    }
  }
  const merged: Entry[] = [];
  for (const [, entries] of byName) {
    const first = entries[0]!;
    const requests = entries.reduce((total, entry) => total + (num(entry.requests) ?? 0), 0);
    const weighted = (read: (entry: Entry) => number | undefined): number | undefined => {
      let weight = 0;
      let sum = 0;
      for (const entry of entries) {
        const value = read(entry);
        const count = num(entry.requests) ?? 0;
        if (value === undefined || count === 0) continue;
        weight += count;
        sum += value * count;
      }
      return weight === 0 ? undefined : sum / weight;
    };
    const latency: Record<string, number> = {};
    for (const percentile of ['p50', 'p95', 'p99']) {
      const value = weighted((entry) => num((entry.latency as Entry | undefined)?.[percentile]));
      if (value !== undefined) latency[percentile] = value;
    }
    const breaker = entries.map((entry) => String(entry.breaker)).sort((a, b) => (BREAKER_SEVERITY[b] ?? 0) - (BREAKER_SEVERITY[a] ?? 0))[0];
    const limits = entries.map((entry) => (entry.rateLimit ?? {}) as Entry);
    const least = (field: string) => {
      const values = limits.map((limit) => num(limit[field])).filter((value): value is number => value !== undefined);
      return values.length === 0 ? undefined : Math.min(...values);
    };
    const total = (field: string) => limits.reduce((sum, limit) => sum + (num(limit[field]) ?? 0), 0);
    const rateLimit: Entry = { ...(first.rateLimit as Entry | undefined) };
    for (const field of ['requestsRemaining', 'providerRequestsRemaining', 'tokensRemaining']) if (least(field) !== undefined) rateLimit[field] = least(field);
    rateLimit.inFlight = total('inFlight');
    rateLimit.queued = total('queued');
    // Each worker has its own connection pool to the origin: the server's are their sum.
    const pools = entries.map((entry) => entry.connections as Entry | undefined).filter((pool): pool is Entry => pool !== undefined);
    const connections =
      pools.length === 0 ? undefined : { ...pools[0], ...Object.fromEntries(['connected', 'idle', 'running', 'pending'].map((field) => [field, pools.reduce((sum, pool) => sum + (num(pool[field]) ?? 0), 0)])) };
    merged.push({
      ...first,
      ...(connections === undefined ? {} : { connections }),
      healthy: entries.every((entry) => entry.healthy === true),
      breaker,
      latency,
      errorRate: weighted((entry) => num(entry.errorRate)) ?? 0,
      requests,
      rateLimit,
      workers: { answered: entries.length, healthy: entries.filter((entry) => entry.healthy === true).length },
    });
  }
  return merged;
}

/**
 * Cache statistics across workers: counters summed level by level and strategy by strategy, hit
 * ratios recomputed from the sums. The Redis level (L2) is one store shared by every worker: its
 * size figures are taken once, not summed.
 */
export function mergeCacheStats(result: FanoutResult<unknown>): Entry {
  const stats = valuesOf(result) as Entry[];
  const merged = sumDeep(stats) as Entry;
  const levels = stats.flatMap((entry) => (Array.isArray(entry.levels) ? (entry.levels as Entry[]) : []));
  const byLevel = new Map<string, Entry[]>();
  for (const level of levels) byLevel.set(String(level.level), [...(byLevel.get(String(level.level)) ?? []), level]);
  merged.levels = [...byLevel].map(([name, entries]) => {
    const level = sumDeep(entries) as Entry;
    level.level = name;
    level.healthy = entries.every((entry) => entry.healthy !== false);
    if (name === 'redis') for (const field of ['usedBytes', 'maxBytes', 'entries']) if (entries[0]?.[field] !== undefined) level[field] = Math.max(...entries.map((entry) => num(entry[field]) ?? 0));
    return level;
  });
  const strategies = (merged.strategies ?? {}) as Record<string, Entry>;
  for (const counters of Object.values(strategies)) {
    const hits = Object.values((counters.hitsByLevel ?? {}) as Record<string, number>).reduce((sum, value) => sum + value, 0);
    const lookups = num(counters.lookups) ?? 0;
    counters.hitRatio = lookups === 0 ? 0 : hits / lookups;
  }
  return merged;
}

/**
 * Numbers summed, booleans true only when true everywhere, strings kept when they agree (else
 * the first), objects merged key by key; arrays are left to the caller (the first is kept).
 * Keys naming a ratio or rate are averaged (a sum of ratios means nothing); a threshold, limit or
 * factor is a setting, not a count: the largest is kept.
 */
export function sumDeep(values: unknown[], key = ''): unknown {
  const present = values.filter((value) => value !== undefined && value !== null);
  if (present.length === 0) return values[0];
  const first = present[0];
  if (typeof first === 'number') {
    const numbers = present.filter((value): value is number => typeof value === 'number');
    const sum = numbers.reduce((total, value) => total + value, 0);
    if (/threshold|limit|factor|dimensions?$/i.test(key)) return Math.max(...numbers); // settings, not counts
    return /ratio|rate|share|fraction|utili[sz]ation/i.test(key) ? sum / numbers.length : sum;
  }
  if (typeof first === 'boolean') return present.every((value) => value === true);
  if (typeof first !== 'object' || Array.isArray(first)) return first;
  const keys = new Set(present.flatMap((value) => (typeof value === 'object' && value !== null ? Object.keys(value) : [])));
  const merged: Entry = {};
  for (const name of keys) merged[name] = sumDeep(present.map((value) => (value as Entry)[name]), name);
  return merged;
}

/**
 * Learned routing across workers. Every worker replays and follows the routing journal (without
 * Redis the machine's `<data_dir>/shared-state.db`, with Redis its streams), so each holds about
 * the same estimates (up to a second apart): per provider × research type the view with the most
 * evidence is the server's.
 * Adaptations are merged (newest first, duplicates dropped); the stored history is shared.
 */
export function mergeLearningStatus(result: FanoutResult<LearningStatus>, historyLimit = 20): LearningStatus & { processes: ProcessesAnswered } {
  const statuses = valuesOf(result);
  const best = new Map<string, ProviderEstimate>();
  for (const status of statuses) {
    for (const estimate of status.estimates) {
      const key = `${estimate.researchType}\u0000${estimate.provider}`;
      const seen = best.get(key);
      if (!seen || estimate.samples + estimate.qualitySamples > seen.samples + seen.qualitySamples) best.set(key, estimate);
    }
  }
  const models = new Map<string, LearningStatus['models'][number]>();
  for (const status of statuses) {
    for (const model of status.models) {
      const key = `${model.provider}\u0000${model.researchType}\u0000${model.model}`;
      if ((models.get(key)?.samples ?? -1) < model.samples) models.set(key, model);
    }
  }
  const adaptations = new Map<string, LearningStatus['adaptations'][number]>();
  for (const status of statuses) for (const adaptation of status.adaptations) adaptations.set(JSON.stringify(adaptation), adaptation);
  const estimates = [...best.values()].sort((a, b) => a.researchType.localeCompare(b.researchType) || (a.rank ?? 0) - (b.rank ?? 0) || a.provider.localeCompare(b.provider));
  const history = statuses.find((status) => status.history !== undefined)?.history;
  return {
    strategy: statuses[0]?.strategy ?? 'cost_quality_balanced',
    estimates,
    models: [...models.values()],
    adaptations: [...adaptations.values()].sort((a, b) => b.at - a.at).slice(0, historyLimit),
    ...(history ? { history } : {}),
    processes: processesOf(result),
  };
}
