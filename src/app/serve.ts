import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { setupClusterMetricsPrimary, type MetricsReader } from '../infrastructure/metrics/cluster-metrics.js';
import { setupWorkerFanoutPrimary } from '../infrastructure/cluster/worker-fanout.js';
import { runClustered } from '../interface/http/cluster.js';
import { assertCanBind } from '../interface/http/bind-errors.js';
import type { FortitudeConfig } from './config/schema.js';
import { runtimeEnvironment, runtimeNodeFlags } from './config/runtime-flags.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  workers?: number;
}

/**
 * `fortitude serve`: the HTTP API, the OpenAI-compatible gateway and `/metrics`, in one process
 * or one per worker. SIGTERM/SIGINT close it gracefully: stop accepting, drain, flush, exit.
 */
export async function serve(baseConfig: FortitudeConfig, options: ServeOptions, logger: FortitudeLogger): Promise<void> {
  const workers = options.workers ?? baseConfig.server.workers;
  const cores = availableParallelism(); // the cores this process may run on (taskset counts)
  const log = logger.for('root');
  let primaryMetrics: MetricsReader | undefined;
  // A taken port fails here, in milliseconds and once, before a worker is forked or anything built.
  if (cluster.isPrimary) await assertCanBind(options.host ?? baseConfig.server.host, options.port ?? baseConfig.server.port);
  // The application is imported by the processes that serve, not by a cluster primary: the
  // primary stays small (its own garbage collections shared the workers' cores).
  const start = async () => (await import('./serve-worker.js')).startWorker(baseConfig, options, logger, workers);
  await runClustered(workers, start, {
    logger: log,
    workerNodeFlags: runtimeNodeFlags(baseConfig.server.runtime, { workers: workers === 0 ? cores : workers, cores }),
    // Single-threaded GC helps a worker that shares its core (or one pinned to one core), but
    // for one worker it is not worth a second process: the memory flags are (the shipped
    // `fortitude` and `npm start` already carry them, so one worker is one process).
    optionalNodeFlags: ['--single-threaded-gc'],
    workerEnv: runtimeEnvironment(baseConfig.server.runtime),
    // The primary serves no requests; it answers each worker's /metrics and dashboard reads with
    // every worker's numbers, and relays status/cache/learning/settings operations to every worker.
    onPrimary: () => {
      primaryMetrics = setupClusterMetricsPrimary();
      const fanout = setupWorkerFanoutPrimary();
      process.once('exit', () => {
        primaryMetrics?.close();
        fanout.close();
      });
    },
  });
}
