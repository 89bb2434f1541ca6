import { FortitudeError } from '../core/errors.js';
import type { FanoutResult, WorkerFanout } from '../infrastructure/cluster/worker-fanout.js';
import type { LiveServerServices } from '../interface/http/http-services.js';
import { createLiveSettings, type LiveSettings } from '../operations/optimizer/live-settings.js';
import type { RouteChange } from '../pipeline/routing/router.js';
import { mergeCacheStats, mergeLearningStatus, mergeProviderStatus, processesOf } from '../pipeline/server-view.js';
import type { Application } from './composition.js';
import type { CacheSettingsChange, ConcurrencyChange, OptimizerActions, Undo } from '../operations/optimizer/optimization.js';
import { mergeDatabaseProfiles, type DatabaseProfile } from '../operations/profiling/database-profiler.js';
import { MAX_PROFILE_MS, MIN_PROFILE_MS, type ProcessIdentity, type ProfileRequest, type ProfileResult, type ProfilingService } from '../operations/profiling/profiling-service.js';

/**
 * `fortitude serve`'s answers for the whole server: each worker registers the operations on its
 * own state, and the HTTP handlers run them in every worker through the fan-out and merge the
 * answers (pipeline/server-view.ts). The CLI reaches these over the admin API.
 */
export interface LiveServer {
  readonly settings: LiveSettings;
  /**
   * The optimizer's actuators for the whole server: each change (routes, cache TTL or size,
   * provider concurrency) is applied in every worker under one id, and its undo reverts it in
   * every worker. A change that does not reach every worker is reverted where it landed and fails.
   */
  readonly optimizerActions: Required<Pick<OptimizerActions, 'current' | 'applyRouteChanges' | 'setCacheSettings' | 'setConcurrency'>>;
  /** A (re)started worker takes the changes in force from the others (the server's, not the configuration's). */
  syncFromPeers(): Promise<number>;
  readonly services: LiveServerServices;
  providerStatus(): Promise<unknown[]>;
  cacheStats(): Promise<unknown>;
}

export function createLiveServer(app: Application, fanout: WorkerFanout): LiveServer {
  const strategies = app.caches.strategies;
  const settings = createLiveSettings({
    strategies: { query_results: strategies.query_results, quality_evaluations: strategies.quality_evaluations, provider_responses: strategies.provider_responses, embeddings: strategies.embeddings },
    memory: app.caches.memory,
    limiters: Object.fromEntries([...app.providers.providers].map(([name, provider]) => [name, provider.limiter])),
  });
  const routingView = () => ({ strategy: app.config.selection_strategy.type, routeChanges: app.routing.steering.active(), ...settings.current() });

  // Changes in force in this worker by id (optimizer changes and applied cost optimizations), so
  // an undo reaches the same change everywhere and a restarted worker can copy them.
  type AppliedChange = { id: string; action: 'route' | 'cache' | 'concurrency'; change: unknown };
  const applied = new Map<string, AppliedChange & { undo: Undo }>();
  const applyHere = async (entry: AppliedChange): Promise<void> => {
    if (applied.has(entry.id)) return;
    const undo: Undo = await (entry.action === 'route'
      ? app.routing.steering.applyRouteChanges(entry.change as RouteChange[])
      : entry.action === 'cache'
        ? settings.setCacheSettings(entry.change as CacheSettingsChange)
        : settings.setConcurrency(entry.change as ConcurrencyChange));
    applied.set(entry.id, { ...entry, undo });
  };
  fanout.handle('changes.apply', async (entry) => {
    await applyHere(entry as AppliedChange);
    return settings.current();
  });
  fanout.handle('changes.undo', async (args) => {
    const entry = applied.get((args as { id: string }).id);
    applied.delete((args as { id: string }).id);
    await entry?.undo();
  });
  fanout.handle('changes.list', () => [...applied.values()].map(({ id, action, change }) => ({ id, action, change })));
  let nextChangeId = 0;
  const applyEverywhere = async (action: AppliedChange['action'], change: unknown): Promise<Undo> => {
    const id = `${process.pid}-${Date.now()}-${nextChangeId++}`;
    const result = await fanout.all('changes.apply', { id, action, change });
    const undo = async () => {
      const undone = await fanout.all('changes.undo', { id });
      const failed = undone.answers.filter((answer) => answer.error !== undefined);
      if (failed.length > 0) throw new FortitudeError('internal', `undo reached ${undone.answers.length - failed.length} of ${undone.expected} workers: ${failed[0]!.error}`);
    };
    const failed = result.answers.filter((answer) => answer.error !== undefined);
    if (failed.length > 0 || result.answers.length < result.expected) {
      await undo().catch(() => undefined);
      throw new FortitudeError('internal', `the change reached ${result.answers.length - failed.length} of ${result.expected} workers (${failed[0]?.error ?? 'timed out'}); reverted`);
    }
    return undo;
  };

  fanout.handle('providers.status', () => app.fortitude.providerStatus());
  fanout.handle('cache.stats', () => app.fortitude.cacheStats());
  fanout.handle('cache.clear', () => app.fortitude.clearCache());
  fanout.handle('learning.status', () => app.routing.router.learningStatus({ historyLimit: 20 }));
  fanout.handle('routing.view', routingView);
  fanout.handle('routing.apply', async (args) => {
    // Applied cost optimizations stay in force (no undo); kept by id so a restarted worker copies them.
    await applyHere({ id: (args as { id: string }).id, action: 'route', change: (args as { changes: RouteChange[] }).changes });
    return routingView();
  });

  const everywhere = async <T>(name: string, args?: unknown): Promise<FanoutResult<T>> => {
    const result = await fanout.all<T>(name, args);
    if (result.answers.every((answer) => answer.error !== undefined)) {
      throw new FortitudeError('internal', `no worker answered ${name}: ${result.answers[0]?.error ?? 'timed out'}`);
    }
    return result;
  };

  return {
    settings,
    optimizerActions: {
      current: () => settings.current(),
      applyRouteChanges: (changes) => applyEverywhere('route', changes),
      setCacheSettings: (change) => applyEverywhere('cache', change),
      setConcurrency: (change) => applyEverywhere('concurrency', change),
    },
    async syncFromPeers() {
      const result = await fanout.all<AppliedChange[]>('changes.list', undefined, { timeoutMs: 2_000 });
      const entries = new Map<string, AppliedChange>();
      for (const answer of result.answers) for (const entry of answer.value ?? []) entries.set(entry.id, entry);
      let copied = 0;
      for (const entry of entries.values()) {
        if (applied.has(entry.id)) continue;
        await applyHere(entry);
        copied += 1;
      }
      return copied;
    },
    providerStatus: async () => mergeProviderStatus(await everywhere<unknown[]>('providers.status')),
    cacheStats: async () => {
      const result = await everywhere('cache.stats');
      return { ...mergeCacheStats(result), processes: processesOf(result) };
    },
    services: {
      learningStatus: async () => mergeLearningStatus(await everywhere('learning.status')),
      async clearCache() {
        const result = await everywhere('cache.clear');
        return { cleared: result.answers.map((answer) => ({ workerId: answer.workerId, pid: answer.pid, ...(answer.error ? { error: answer.error } : { levels: answer.value }) })), processes: processesOf(result) };
      },
      // One warming run (popular and recent patterns, bounded in count and cost) in the worker
      // that received the request: its answers land in the shared levels (Redis, the library).
      warmCache: () => app.fortitude.warmCache(),
      async routing() {
        const result = await everywhere<ReturnType<typeof routingView>>('routing.view');
        return viewOf(result);
      },
      async applyOptimizations(input) {
        let applied: unknown = null;
        const report = await app.fortitude.operator.costsApply({
          ...input,
          applyChanges: async (changes) => {
            const result = await everywhere<ReturnType<typeof routingView>>('routing.apply', { id: `apply-${process.pid}-${Date.now()}-${nextChangeId++}`, changes });
            applied = viewOf(result);
            const failed = result.answers.filter((answer) => answer.error !== undefined).length + (result.expected - result.answers.length);
            if (failed > 0) throw new FortitudeError('internal', `the changes reached ${result.expected - failed} of ${result.expected} workers; run apply-optimizations again`);
          },
        });
        return { report, applied };
      },
    },
  };
}

/** The workers' views: one when they agree, each worker's otherwise. */
function viewOf<T>(result: FanoutResult<T>): Record<string, unknown> {
  const values = result.answers.filter((answer) => answer.error === undefined).map((answer) => answer.value);
  const consistent = values.every((value) => JSON.stringify(value) === JSON.stringify(values[0]));
  return {
    consistent,
    ...(consistent ? (values[0] as Record<string, unknown>) : { perWorker: result.answers }),
    processes: processesOf(result),
  };
}

/**
 * `profile database` over every worker of `serve --workers N`: each worker records its own
 * storage calls and statements for the same span (`profile.database` in the fan-out, durations
 * kept so percentiles merge exactly) and the answers are merged (operations/profiling/
 * database-profiler.ts). Other profile kinds stay per process (a CPU or heap profile is one
 * process's). The fan-out does not carry the client's abort: the other workers finish their span.
 */
export function profileEveryWorker(profiling: ProfilingService, fanout: WorkerFanout, identity: ProcessIdentity): ProfilingService {
  fanout.handle('profile.database', (args) => profiling.run('database', { ...(args as ProfileRequest), keepDurations: true }));
  return {
    ...profiling,
    async run(kind, request) {
      // One process: no fan-out, so a client that goes away still stops the profile early.
      if (kind !== 'database' || (identity.workers ?? 1) <= 1) return profiling.run(kind, request);
      if (!(request.durationMs >= MIN_PROFILE_MS && request.durationMs <= MAX_PROFILE_MS)) {
        throw new FortitudeError('bad_request', `duration: expected ${MIN_PROFILE_MS}–${MAX_PROFILE_MS} ms (got ${request.durationMs})`, { details: { field: 'duration_ms' } });
      }
      const { signal: _signal, ...args } = request;
      // Room after the span for each worker's EXPLAINs.
      const result = await fanout.all<DatabaseProfile>('profile.database', args, { timeoutMs: request.durationMs + 60_000 });
      const answered = result.answers.filter((answer) => answer.error === undefined && answer.value !== undefined);
      if (answered.length === 0) {
        const error = result.answers[0]?.error ?? 'no worker answered in time';
        throw new FortitudeError(/already being recorded/.test(error) ? 'rate_limited' : 'internal', `database profile: ${error}`, { retryable: true });
      }
      const merged = mergeDatabaseProfiles(result.answers.map((answer) => ({ workerId: answer.workerId, pid: answer.pid, ...(answer.value ? { profile: answer.value } : {}), ...(answer.error ? { error: answer.error } : {}) })));
      const { operationDurations: _durations, ...profile } = merged;
      const process: ProcessIdentity = { ...identity, workers: result.expected, profiledWorkers: answered.length };
      return { ...profile, process } satisfies ProfileResult;
    },
  };
}
