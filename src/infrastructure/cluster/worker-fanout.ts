import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/**
 * Runs one named operation in every serving process of `fortitude serve --workers N` and hands
 * the answers back to the process that asked (the one whose HTTP request needs them): provider
 * status, cache stats, learned routing, cache clear and live-setting changes answer for the whole
 * server, not for whichever worker the connection landed on.
 *
 * Same path as `/metrics` (cluster-metrics.ts): the asking worker sends a request to the primary,
 * the primary sends the operation to every connected worker (the asker included), waits up to
 * `timeoutMs` and returns every answer it got. A worker that does not answer in time is left out
 * and counted (`expected` vs `answers.length`). A single process, or a worker whose primary does
 * not answer, runs the operation itself.
 */

const REQUEST = 'fortitude:fanout:request';
const RESPONSE = 'fortitude:fanout:response';
const RUN = 'fortitude:fanout:run';
const ANSWER = 'fortitude:fanout:answer';

/** One process's answer. */
export interface WorkerAnswer<T = unknown> {
  /** node:cluster worker id; null for a single process. */
  workerId: number | null;
  pid: number;
  value?: T;
  /** The operation threw (message only: never a stack or a secret). */
  error?: string;
}

export interface FanoutResult<T = unknown> {
  /** Answers in worker-id order. */
  answers: WorkerAnswer<T>[];
  /** How many processes were asked. */
  expected: number;
}

interface RequestMessage {
  type: typeof REQUEST;
  requestId: number;
  name: string;
  args: unknown;
  timeoutMs: number;
}
interface ResponseMessage {
  type: typeof RESPONSE;
  requestId: number;
  result: FanoutResult;
}
interface RunMessage {
  type: typeof RUN;
  runId: number;
  name: string;
  args: unknown;
}
interface AnswerMessage {
  type: typeof ANSWER;
  runId: number;
  answer: WorkerAnswer;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

const DEFAULT_TIMEOUT_MS = 5_000;

/** Primary side: relays each worker's request to every worker. Call once, before forking. */
export function setupWorkerFanoutPrimary(): { close(): void } {
  let nextRunId = 0;
  const runs = new Map<number, { answers: WorkerAnswer[]; expected: number; finish: () => void }>();

  const runEverywhere = (name: string, args: unknown, timeoutMs: number): Promise<FanoutResult> => {
    const runId = nextRunId++;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected());
    return new Promise((resolve) => {
      const answers: WorkerAnswer[] = [];
      const finish = () => {
        clearTimeout(timer);
        runs.delete(runId);
        answers.sort((a, b) => (a.workerId ?? 0) - (b.workerId ?? 0));
        resolve({ answers, expected: workers.length });
      };
      const timer = setTimeout(finish, timeoutMs).unref();
      runs.set(runId, { answers, expected: workers.length, finish });
      if (workers.length === 0) return finish();
      for (const worker of workers) worker.send({ type: RUN, runId, name, args } satisfies RunMessage);
    });
  };

  const onMessage = (worker: Worker, message: unknown) => {
    if (isMessage<AnswerMessage>(message, ANSWER)) {
      const run = runs.get(message.runId);
      if (!run) return; // after the timeout
      run.answers.push(message.answer);
      if (run.answers.length >= run.expected) run.finish();
    } else if (isMessage<RequestMessage>(message, REQUEST)) {
      void runEverywhere(message.name, message.args, message.timeoutMs).then((result) => {
        if (worker.isConnected()) worker.send({ type: RESPONSE, requestId: message.requestId, result } satisfies ResponseMessage);
      });
    }
  };
  cluster.on('message', onMessage);
  return {
    close() {
      cluster.off('message', onMessage);
      for (const run of runs.values()) run.finish();
    },
  };
}

export type FanoutHandler = (args: unknown) => unknown;

/** What a serving process uses: register operations, run one everywhere. */
export interface WorkerFanout {
  /** Registers `name` in this process (every worker registers the same names). */
  handle(name: string, handler: FanoutHandler): void;
  /** Runs `name` in every serving process of this server. */
  all<T>(name: string, args?: unknown, options?: { timeoutMs?: number }): Promise<FanoutResult<T>>;
  close(): void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** Worker (or single-process) side. */
export function createWorkerFanout(): WorkerFanout {
  const handlers = new Map<string, FanoutHandler>();
  const workerId = cluster.isWorker && cluster.worker ? cluster.worker.id : null;
  let nextRequestId = 0;
  const pending = new Map<number, (result: FanoutResult | undefined) => void>();

  const runHere = async (name: string, args: unknown): Promise<WorkerAnswer> => {
    const handler = handlers.get(name);
    if (!handler) return { workerId, pid: process.pid, error: `no operation "${name}" in this process` };
    try {
      return { workerId, pid: process.pid, value: await handler(args) };
    } catch (error) {
      return { workerId, pid: process.pid, error: errorText(error) };
    }
  };

  const onMessage = (message: unknown) => {
    if (isMessage<RunMessage>(message, RUN)) {
      void runHere(message.name, message.args).then((answer) => process.send?.({ type: ANSWER, runId: message.runId, answer } satisfies AnswerMessage));
    } else if (isMessage<ResponseMessage>(message, RESPONSE)) {
      pending.get(message.requestId)?.(message.result);
    }
  };
  const clustered = cluster.isWorker && typeof process.send === 'function';
  if (clustered) process.on('message', onMessage);

  return {
    handle(name, handler) {
      handlers.set(name, handler);
    },
    async all<T>(name: string, args?: unknown, options: { timeoutMs?: number } = {}): Promise<FanoutResult<T>> {
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const alone = async () => ({ answers: [await runHere(name, args)], expected: 1 }) as FanoutResult<T>;
      if (!clustered || !process.connected) return alone();
      const requestId = nextRequestId++;
      // The primary waits `timeoutMs` for workers; this side waits a little longer for the primary.
      const result = await new Promise<FanoutResult | undefined>((resolve) => {
        const timer = setTimeout(() => settle(undefined), timeoutMs + 1_000).unref();
        const settle = (value: FanoutResult | undefined) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(value);
        };
        pending.set(requestId, settle);
        process.send!({ type: REQUEST, requestId, name, args, timeoutMs } satisfies RequestMessage);
      });
      return (result as FanoutResult<T> | undefined) ?? alone();
    },
    close() {
      if (clustered) process.off('message', onMessage);
      for (const settle of pending.values()) settle(undefined);
    },
  };
}
