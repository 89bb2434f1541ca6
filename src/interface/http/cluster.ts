import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { HttpLogger } from './http-logger.js';

export interface ClusterOptions {
  logger?: HttpLogger;
  /** Restarts of crashed workers allowed per minute before the primary gives up. */
  maxRestartsPerMinute?: number;
  /** How long the primary waits for workers to exit after forwarding SIGTERM. */
  shutdownTimeoutMs?: number;
  /**
   * Node flags every serving process needs (V8 heap settings). When this process was not started
   * with them, even a single worker runs as a child process that is.
   */
  workerNodeFlags?: readonly string[];
  /**
   * Those of `workerNodeFlags` that a single worker may run without: their absence alone does not
   * make it a child process (a second process costs ~60 MB; `--single-threaded-gc` saves less).
   */
  optionalNodeFlags?: readonly string[];
  /** Environment every serving process needs (allocator settings read at process start); same rule as the flags. */
  workerEnv?: Readonly<Record<string, string>>;
  /** Called in the primary before it forks (e.g. to answer the workers' metrics requests). */
  onPrimary?(): void;
}

const LISTENING = 'listening';
const WORKER_EXITED = 'worker-exited';
/** How long the primary keeps telling new workers about a dead one (the budget reservation TTL). */
const DEAD_WORKER_MEMORY_MS = 600_000;

/** Tells the primary this worker's HTTP server is bound (a later exit is then a crash to restart, not a failed start). */
export function announceListening(): void {
  if (cluster.isWorker) process.send?.({ fortitude: LISTENING });
}

/**
 * In a worker: `listener` gets the pid of every worker that died while serving (SIGKILL, OOM, a
 * crash), from the primary: right away in the surviving workers, and in a worker that starts
 * later (its replacement) for the deaths of the last 10 minutes. What the dead worker held in
 * shared state (budget reservations) can then be released. Returns the unsubscribe.
 */
export function onWorkerExited(listener: (pid: number) => void): () => void {
  if (!cluster.isWorker) return () => undefined;
  const onMessage = (message: unknown) => {
    const data = message as { fortitude?: unknown; pids?: unknown } | null;
    if (data?.fortitude === WORKER_EXITED && Array.isArray(data.pids)) for (const pid of data.pids) if (typeof pid === 'number') listener(pid);
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

export type ClusterRole = 'primary' | 'worker' | 'single';

/**
 * Runs `start` in `workers` processes sharing the listening port (node:cluster; the primary
 * hands out connections round-robin). `workers` 0 = one per core; 1 = no cluster at all, unless
 * `workerNodeFlags` or `workerEnv` are missing from this process (then one worker is started with them).
 * The primary restarts crashed workers, forwards SIGTERM/SIGINT and exits when all are gone.
 * Several workers get connections from the primary in turn; a single worker accepts its own.
 * Returns this process's role once `start` resolved (worker/single) or the workers were forked.
 */
export async function runClustered(workers: number, start: () => Promise<unknown>, options: ClusterOptions = {}): Promise<ClusterRole> {
  const count = workers === 0 ? availableParallelism() : workers;
  if (!cluster.isPrimary) {
    await start();
    return 'worker';
  }
  const flags = options.workerNodeFlags ?? [];
  const env = options.workerEnv ?? {};
  const optional = new Set(options.optionalNodeFlags ?? []);
  const missingFlags = flags.some((flag) => !optional.has(flag) && !process.execArgv.includes(flag));
  const missingEnv = Object.entries(env).some(([name, value]) => process.env[name] !== value);
  if (count <= 1 && !missingFlags && !missingEnv) {
    await start();
    return 'single';
  }
  // One worker needs no balancing: it accepts on the shared listening socket itself instead of
  // the primary accepting every connection and passing it over IPC (node's round-robin default),
  // so the primary does nothing per connection. An explicit NODE_CLUSTER_SCHED_POLICY still wins.
  if (count <= 1 && process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  if (flags.length > 0) cluster.setupPrimary({ execArgv: [...process.execArgv, ...flags] });
  options.onPrimary?.();
  superviseWorkers(count, { ...options, workerEnv: env });
  return 'primary';
}

function superviseWorkers(count: number, options: ClusterOptions): void {
  const maxRestarts = options.maxRestartsPerMinute ?? 10;
  const restarts: number[] = [];
  let stopping = false;

  // Until one worker listens, a worker's exit is a start-up failure (a bad DATABASE_URL, a taken
  // port): restarting would fail the same way, so the primary stops with the worker's exit code.
  // The worker has already said why on stderr.
  // "Listening" is the worker's own word (`announceListening`), not cluster's 'listening' event:
  // a worker's loopback provider simulator listens too, before the HTTP server has bound.
  let started = false;
  /** Workers that died while serving: pid → when. */
  const dead = new Map<number, number>();
  const recentlyDead = (): number[] => {
    for (const [pid, at] of dead) if (Date.now() - at > DEAD_WORKER_MEMORY_MS) dead.delete(pid);
    return [...dead.keys()];
  };
  cluster.on('message', (worker, message: unknown) => {
    if ((message as { fortitude?: unknown } | null)?.fortitude !== LISTENING) return;
    started = true;
    const pids = recentlyDead();
    if (pids.length > 0 && worker.isConnected()) worker.send({ fortitude: WORKER_EXITED, pids });
  });

  const fork = () => cluster.fork(options.workerEnv);
  for (let index = 0; index < count; index++) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (!started) {
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGKILL');
      process.exit(code || 1);
    }
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0]! > 60_000) restarts.shift();
    if (restarts.length >= maxRestarts) {
      options.logger?.error({ pid: worker.process.pid, code, signal }, 'workers keep crashing; giving up');
      stopAll('SIGTERM');
      return;
    }
    restarts.push(now);
    options.logger?.warn({ pid: worker.process.pid, code, signal }, 'worker exited; starting a new one');
    if (worker.process.pid !== undefined) {
      dead.set(worker.process.pid, now);
      for (const other of Object.values(cluster.workers ?? {})) {
        if (other?.isConnected()) other.send({ fortitude: WORKER_EXITED, pids: [worker.process.pid] });
      }
    }
    fork();
  });

  const stopAll = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 15_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGTERM'));
}
