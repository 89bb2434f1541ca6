import cluster from 'node:cluster';
import { join, resolve } from 'node:path';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { secretValues } from '../infrastructure/logging/mask-secrets.js';
import { setupClusterMetrics } from '../infrastructure/metrics/cluster-metrics.js';
import { createMetrics } from '../infrastructure/metrics/create-metrics.js';
import { createWorkerFanout } from '../infrastructure/cluster/worker-fanout.js';
import { lowerV8ThreadPriority } from '../infrastructure/runtime/background-threads.js';
import { reservationOwner } from './build-routing.js';
import { createLiveServer, profileEveryWorker } from './live-server.js';
import { announceListening, onWorkerExited } from '../interface/http/cluster.js';
import { createHttpServer } from '../interface/http/http-server.js';
import { createPerformanceOptimizer } from '../operations/optimizer/performance-optimizer.js';
import { createMemoryCacheReader, windowFromMetricsState } from '../operations/optimizer/snapshot-window.js';
import { startDailyCostReports } from '../operations/cost-reports/daily-cost-reports.js';
import { createAlertEngine } from '../operations/sla/alert-engine.js';
import { alertEngineOptions, autoOptimizationOptions, httpServerOptions, metricsOptions, optimizerOptions, slaTargets } from './component-options.js';
import { createApplication } from './composition.js';
import type { FortitudeConfig } from './config/schema.js';
import { createObservabilityServices } from '../interface/dashboard/observability-services.js';
import { createProfilingService } from '../operations/profiling/profiling-service.js';
import type { ServeOptions } from './serve.js';

/** One serving process of `fortitude serve` (the single process, or a cluster worker). */
export async function startWorker(baseConfig: FortitudeConfig, options: ServeOptions, logger: FortitudeLogger, workers: number): Promise<void> {
  const log = logger.for('root');
  // Per-process state (the disk cache index, the semantic log) gets a directory per worker.
  const config: FortitudeConfig = cluster.isWorker ? withWorkerDirectories(baseConfig, cluster.worker?.id ?? 0) : baseConfig;
  // V8's concurrent GC and compiler threads yield the core to this serving thread (`server.runtime.background_thread_nice`).
  const lowered = await lowerV8ThreadPriority(config.server.runtime.background_thread_nice);
  if (lowered.length > 0) log.debug({ threads: lowered, nice: config.server.runtime.background_thread_nice }, 'V8 background threads run at a lower priority');
  const metrics = createMetrics(metricsOptions(config));
  const reader = setupClusterMetrics(metrics, { workers });
  const app = await createApplication(config, { logger, metrics, processes: Math.max(1, workers), leaseBudget: true, writeRecordsOffThread: true, ...(cluster.isWorker && cluster.worker ? { workerId: cluster.worker.id } : {}) });
  // Status, cache, learning and settings answers cover every worker, not the one that was asked.
  const fanout = createWorkerFanout();
  const live = createLiveServer(app, fanout);
  // SLA alerts over the (cluster-wide) window; every worker evaluates so any can answer
  // GET /api/alerts, but only one (or the single process) posts webhooks.
  const identity = { pid: process.pid, ...(cluster.isWorker && cluster.worker ? { workerId: cluster.worker.id, workers } : {}) };
  const localProfiling = createProfilingService({
    storage: app.storage,
    providers: { stats: app.providers.stats, recorder: app.recorder, status: () => app.fortitude.providerStatus() },
    process: identity,
    heapSnapshots: config.server.heap_snapshots ? { redact: secretValues(config) } : false,
  });
  // `profile database` covers every worker; the other kinds describe the worker that answered.
  const profiling = profileEveryWorker(localProfiling, fanout, identity);
  const alertOptions = alertEngineOptions(config);
  const alerts = createAlertEngine({
    ...alertOptions,
    webhooks: cluster.isWorker && cluster.worker?.id !== 1 ? [] : alertOptions.webhooks,
    logger: log,
    readMetrics: (request) => reader.snapshot(request),
    metrics,
  });
  if (config.monitoring.real_time_alerts) alerts.start();
  const host = options.host ?? config.server.host;
  const serverOptions = httpServerOptions(config);
  const server = createHttpServer(
    {
      host,
      port: options.port ?? config.server.port,
      ...serverOptions,
      ...(app.keyRateLimiter ? { rateLimiter: app.keyRateLimiter } : {}),
      onRequestStart: () => metrics.apiConcurrent.inc(),
      onRequestEnd: (request) => {
        metrics.apiConcurrent.dec();
        metrics.observeApiRequest(request);
      },
    },
    {
      ...app.fortitude,
      providerStatus: live.providerStatus,
      cacheStats: live.cacheStats,
      live: live.services,
      metrics: () => reader.render(),
      ...createObservabilityServices({
        readSnapshot: (request) => reader.snapshot(request),
        targets: slaTargets(config.sla_targets),
        budget: () => app.routing.budget.state(),
        alerts,
        storage: app.storage,
        profiling,
      }),
    },
    log,
  );
  const { url } = await server.listen();
  // A worker that died mid-call never reconciles its budget reservations: release them now
  // rather than when they expire (10 min), so the budget they held is usable again.
  const stopReleasing = onWorkerExited((pid) => {
    app.routing.budget
      .releaseAbandoned(reservationOwner(pid))
      .then((released) => {
        if (released > 0) log.info({ pid, released }, `released ${released} budget reservation(s) of dead worker ${pid}`);
      })
      .catch((error: unknown) => log.warn({ err: error, pid }, `budget reservations of dead worker ${pid} not released; they expire on their own`));
  });
  announceListening();
  // Changes the optimizer or an operator applied before this worker (re)started.
  if (cluster.isWorker) {
    void live
      .syncFromPeers()
      .then((copied) => (copied > 0 ? log.info({ copied }, `took ${copied} applied optimization(s) in force from the other workers`) : undefined))
      .catch((error: unknown) => log.warn({ err: error }, 'could not copy the applied optimizations of the other workers'));
  }
  // One optimizer for the server: it runs in the lowest-numbered live worker (asked each run, so
  // a restarted worker 1 hands over), judges the whole server's window (every worker's metrics)
  // and applies each change in every worker (live.optimizerActions).
  const memoryCache = app.caches.memory ? createMemoryCacheReader(app.caches.memory) : undefined;
  const optimizer = config.optimizer.enabled
    ? createPerformanceOptimizer(
        // The configured L1 size is the budget a shrunk memory level may grow back to.
        { ...optimizerOptions(config.optimizer), cache: { maxMemorySizeMb: config.caching.levels.memory.max_size_mb } },
        {
          readWindow: async (request) => {
            const snapshot = await reader.snapshot({ spanMs: request.spanMs, now: request.now });
            // Latency ladders come from this worker's own window (a sample of the same traffic);
            // the L1 is this worker's (every worker's has the same size and settings).
            return windowFromMetricsState(snapshot, metrics.localState().window, memoryCache ? { memoryCache: await memoryCache() } : {});
          },
          actions: live.optimizerActions,
          learning: app.storage.learning,
          logger: log,
        },
      )
    : undefined;
  const leads = async (): Promise<boolean> => {
    if (!cluster.isWorker || !cluster.worker) return true;
    const ids = (await fanout.all<number>('worker.id', undefined, { timeoutMs: 2_000 })).answers.flatMap((answer) => (answer.error === undefined && typeof answer.value === 'number' ? [answer.value] : []));
    return ids.length > 0 && Math.min(...ids) === cluster.worker.id;
  };
  fanout.handle('worker.id', () => cluster.worker?.id ?? 0);
  let optimizing = false;
  const optimizerTimer = optimizer
    ? setInterval(() => {
        if (optimizing) return; // a slow run must not pile runs up behind it
        optimizing = true;
        void leads()
          .then((leader) => (leader ? optimizer.runOnce() : undefined))
          .catch((error: unknown) => log.warn({ err: error }, 'optimizer: run skipped'))
          .finally(() => (optimizing = false));
      }, optimizerOptions(config.optimizer).intervalMs ?? 300_000).unref()
    : undefined;
  const autoOptimization = autoOptimizationOptions(config);
  // Each worker judges the same shared request and quality records, so every worker applies the same routes.
  const autoOptimize = autoOptimization.enabled
    ? setInterval(() => {
        const { timeRange, targetReduction, maintainQuality } = autoOptimization;
        app.fortitude.operator
          .costsApply({ timeRange, targetReduction, maintainQuality, autoApprove: true, format: 'json' })
          .then((applied: string) => log.info({ autoOptimization: JSON.parse(applied) as unknown }, 'automatic cost optimization ran'))
          .catch((error: unknown) => log.warn({ err: error }, 'automatic cost optimization failed; retrying next interval'));
      }, autoOptimization.intervalMs).unref()
    : undefined;
  const costReportProviders = Object.entries(config.cost_management.providers)
    .filter(([, costs]) => costs.cost_tracking?.daily_reports === true)
    .map(([name]) => name);
  const dailyCostReports =
    costReportProviders.length > 0
      ? startDailyCostReports(
          { dir: join(resolve(config.data_dir), 'reports'), providers: costReportProviders },
          {
            requests: app.storage.providerRequests,
            onWritten: (path) => log.info({ path }, `daily cost report written: ${path}`),
            onError: (error) => log.warn({ err: error }, 'daily cost report not written; retrying within the hour'),
          },
        )
      : undefined;
  const simulated = app.providers.simulated;
  // What all workers share (providers, storage) is logged once, by the first worker; the others
  // say only that they are up.
  const firstWorker = !cluster.isWorker || cluster.worker?.id === 1;
  if (firstWorker) {
    log.info(
      { url, providers: app.providers.names, simulated, storage: app.storage.dialect, redis: Boolean(config.redis.url), ...(workers > 1 ? { workers } : {}) },
      `Fortitude listening on ${url} (dashboard: ${url}/dashboard)${simulated.length > 0 ? ` — SIMULATED providers (no API key): ${simulated.join(', ')}` : ''}`,
    );
  } else {
    log.info({ pid: process.pid }, `worker ${cluster.worker?.id ?? 0} listening on ${url}`);
  }
  logger.flush();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (firstWorker) log.info({ signal }, 'shutting down: draining in-flight requests');
    else log.debug({ signal }, 'shutting down: draining in-flight requests');
    const hardStop = setTimeout(() => process.exit(1), serverOptions.shutdownTimeoutMs + 5_000).unref();
    await server.close();
    clearInterval(optimizerTimer);
    await optimizer?.close();
    dailyCostReports?.close();
    clearInterval(autoOptimize);
    await alerts.close();
    await app.close();
    reader.close();
    stopReleasing();
    fanout.close();
    metrics.close();
    clearTimeout(hardStop);
    if (firstWorker) log.info({}, 'stopped');
    else log.debug({}, 'stopped');
    logger.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function withWorkerDirectories(config: FortitudeConfig, workerId: number): FortitudeConfig {
  const disk = config.caching.levels.disk;
  return {
    ...config,
    caching: {
      ...config.caching,
      levels: { ...config.caching.levels, disk: { ...disk, path: join(disk.path ?? join(config.data_dir, 'cache'), `worker-${workerId}`) } },
    },
  };
}
