import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Metrics, MetricsState, RenderedMetrics, SnapshotOptions } from './metrics.js';
import type { MetricsSnapshot } from './metrics-snapshot.js';
import { mergeWindowStates } from './rolling-window.js';
import { mergeGauges, summarizeWindow } from './window-summary.js';

/**
 * `/metrics` and snapshots across node:cluster workers (`fortitude serve --workers N`).
 *
 * Any worker may receive the scrape. It asks the primary; the primary asks every connected worker
 * for its registry (`getMetricsAsJSON`) or rolling window and waits up to `timeoutMs`. Windows are
 * merged by the primary, slot by slot (the sketches merge exactly), gauges with `mergeGauges`.
 * Prometheus series are handed back to the asking worker as they came, and the worker merges them
 * with prom-client's `AggregatorRegistry.aggregate` (each metric's `aggregator`: sum, max,
 * average…): the primary never loads prom-client (it stays a small process; see `serve.ts`). A
 * worker that does not answer in time is left out (`processes` says how many answered); if the
 * primary does not answer, the worker serves its own numbers.
 */

const REQUEST = 'fortitude:metrics:request';
const RESPONSE = 'fortitude:metrics:response';
const COLLECT = 'fortitude:metrics:collect';
const REPORT = 'fortitude:metrics:report';

type Want = 'render' | 'snapshot';
type PrometheusJson = MetricObjectWithValues<MetricValue<string>>[];

interface RequestMessage {
  type: typeof REQUEST;
  requestId: number;
  want: Want;
  snapshotOptions?: SnapshotOptions;
}
interface ResponseMessage {
  type: typeof RESPONSE;
  requestId: number;
  /** `render`: every answering process's registry, merged by the worker that asked. */
  prometheus?: PrometheusJson[];
  snapshot?: MetricsSnapshot;
  error?: string;
}
interface CollectMessage {
  type: typeof COLLECT;
  collectId: number;
  want: Want;
}
interface ReportMessage {
  type: typeof REPORT;
  collectId: number;
  prometheus?: PrometheusJson;
  state?: MetricsState;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** Reads metrics for `/metrics`, `/api/metrics/snapshot` and the SLA engine, wherever they live. */
export interface MetricsReader {
  render(): Promise<RenderedMetrics>;
  snapshot(options?: SnapshotOptions): Promise<MetricsSnapshot>;
  close(): void;
}

export interface ClusterMetricsOptions {
  /** How long to wait for workers (primary) or for the primary (worker); default 2 s. */
  timeoutMs?: number;
}

/** Single process: reads `metrics` directly. */
export function localMetricsReader(metrics: Metrics): MetricsReader {
  return {
    render: () => metrics.render(),
    snapshot: async (options) => metrics.snapshot(options),
    close() {},
  };
}

/** One Prometheus exposition of several registries (prom-client loaded on use: never in a cluster primary that only relays). */
async function renderAggregate(registries: PrometheusJson[]): Promise<RenderedMetrics> {
  const { AggregatorRegistry } = await import('prom-client');
  const registry = AggregatorRegistry.aggregate(registries);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

async function reportOf(metrics: Metrics, want: Want): Promise<Omit<ReportMessage, 'type' | 'collectId'>> {
  return want === 'render' ? { prometheus: (await metrics.registry.getMetricsAsJSON()) as PrometheusJson } : { state: metrics.localState() };
}

/**
 * Primary side. Answers workers' requests and can itself read the aggregate (to run the alert
 * engine once for the whole cluster). `local` adds the primary's own metrics (its process
 * memory and CPU) to the aggregate.
 */
export function setupClusterMetricsPrimary(options: ClusterMetricsOptions & { local?: Metrics } = {}): MetricsReader {
  const timeoutMs = options.timeoutMs ?? 2000;
  let nextCollectId = 0;
  const collections = new Map<number, { reports: ReportMessage[]; expected: number; finish: () => void }>();

  const collect = (want: Want): Promise<ReportMessage[]> => {
    const collectId = nextCollectId++;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected());
    return new Promise((resolve) => {
      const reports: ReportMessage[] = [];
      const finish = () => {
        clearTimeout(timer);
        collections.delete(collectId);
        resolve(reports);
      };
      const timer = setTimeout(finish, timeoutMs).unref();
      collections.set(collectId, { reports, expected: workers.length, finish });
      if (workers.length === 0) return finish();
      for (const worker of workers) worker.send({ type: COLLECT, collectId, want } satisfies CollectMessage);
    });
  };

  const aggregate = async (want: Want, snapshotOptions: SnapshotOptions = {}): Promise<Omit<ResponseMessage, 'type' | 'requestId'>> => {
    const reports = await collect(want);
    if (options.local) reports.push({ type: REPORT, collectId: -1, ...(await reportOf(options.local, want)) });
    if (want === 'render') return { prometheus: reports.flatMap((report) => (report.prometheus ? [report.prometheus] : [])) };
    const states = reports.flatMap((report) => (report.state ? [report.state] : []));
    const now = snapshotOptions.now ?? Date.now();
    const snapshot = summarizeWindow(
      mergeWindowStates(states.map((state) => state.window)),
      mergeGauges(states.map((state) => state.gauges)),
      { now, spanMs: snapshotOptions.spanMs, timeline: snapshotOptions.timeline, processes: states.length },
    );
    return { snapshot };
  };

  const onMessage = (worker: Worker, message: unknown) => {
    if (isMessage<ReportMessage>(message, REPORT)) {
      const collection = collections.get(message.collectId);
      if (!collection) return; // arrived after the timeout
      collection.reports.push(message);
      if (collection.reports.length >= collection.expected) collection.finish();
    } else if (isMessage<RequestMessage>(message, REQUEST)) {
      aggregate(message.want, message.snapshotOptions)
        .then((result) => ({ type: RESPONSE, requestId: message.requestId, ...result }) satisfies ResponseMessage)
        .catch((error: unknown) => ({ type: RESPONSE, requestId: message.requestId, error: String(error) }) satisfies ResponseMessage)
        .then((response) => {
          if (worker.isConnected()) worker.send(response);
        });
    }
  };
  cluster.on('message', onMessage);

  return {
    render: async () => renderAggregate((await aggregate('render')).prometheus!),
    snapshot: async (snapshotOptions) => (await aggregate('snapshot', snapshotOptions)).snapshot!,
    close() {
      cluster.off('message', onMessage);
      for (const collection of collections.values()) collection.finish();
    },
  };
}

/** Worker side: reports its metrics to the primary and reads the aggregate through it. */
export function setupClusterMetricsWorker(metrics: Metrics, options: ClusterMetricsOptions = {}): MetricsReader {
  const timeoutMs = options.timeoutMs ?? 2000;
  const send = (message: CollectMessage | RequestMessage | ReportMessage | ResponseMessage) => process.send?.(message);
  let nextRequestId = 0;
  const pending = new Map<number, (response: ResponseMessage | undefined) => void>();

  const onMessage = (message: unknown) => {
    if (isMessage<CollectMessage>(message, COLLECT)) {
      reportOf(metrics, message.want)
        .then((report) => send({ type: REPORT, collectId: message.collectId, ...report }))
        .catch(() => send({ type: REPORT, collectId: message.collectId }));
    } else if (isMessage<ResponseMessage>(message, RESPONSE)) {
      pending.get(message.requestId)?.(message);
    }
  };
  process.on('message', onMessage);

  const ask = (want: Want, snapshotOptions?: SnapshotOptions): Promise<ResponseMessage | undefined> => {
    if (!process.send || !process.connected) return Promise.resolve(undefined);
    const requestId = nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), timeoutMs).unref();
      const settle = (response: ResponseMessage | undefined) => {
        clearTimeout(timer);
        pending.delete(requestId);
        resolve(response);
      };
      pending.set(requestId, settle);
      send({ type: REQUEST, requestId, want, snapshotOptions });
    });
  };

  return {
    async render() {
      const response = await ask('render');
      // A merge that fails serves this worker's own numbers, as when the primary does not answer.
      return response?.prometheus ? renderAggregate(response.prometheus).catch(() => metrics.render()) : metrics.render();
    },
    async snapshot(snapshotOptions) {
      const response = await ask('snapshot', snapshotOptions);
      return response?.snapshot ?? metrics.snapshot(snapshotOptions);
    },
    close() {
      process.off('message', onMessage);
      for (const settle of pending.values()) settle(undefined);
    },
  };
}

/**
 * Picks the side for this process: a cluster worker reads through the primary; the primary of a
 * cluster (`workers` > 1) aggregates its workers plus itself; a single process reads locally.
 */
export function setupClusterMetrics(metrics: Metrics, options: ClusterMetricsOptions & { workers: number }): MetricsReader {
  if (cluster.isWorker) return setupClusterMetricsWorker(metrics, options);
  if (options.workers > 1) return setupClusterMetricsPrimary({ ...options, local: metrics });
  return localMetricsReader(metrics);
}
