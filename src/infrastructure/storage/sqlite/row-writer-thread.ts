import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * What runs in the writer thread (plain CommonJS, so it loads the same from `dist/` and from the
 * sources under tsx or vitest): its own better-sqlite3 connection to the database file, opened with
 * the serving connection's settings, one prepared statement per SQL text, one transaction per batch.
 * It answers each batch with its id, and the time the statement took or the error.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Background work: on Linux a thread's nice value is its own (0: this thread), so the serving thread keeps its core when both want it.
if (workerData.nice > 0 && process.platform === 'linux') {
  try {
    require('node:os').setPriority(0, workerData.nice);
  } catch {}
}
const Database = require(workerData.driver);
const database = new Database(workerData.path);
database.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
database.pragma('foreign_keys = ON');
// It only appends: the B-trees' right edges fit in far less than the default 2 MB page cache.
database.pragma('cache_size = -512');
const statements = new Map();
const insertAll = database.transaction((statement, rows) => {
  for (const row of rows) statement.run(row);
});
parentPort.on('message', (message) => {
  if (message.close) {
    database.close();
    parentPort.close();
    return;
  }
  const started = performance.now();
  try {
    let statement = statements.get(message.text);
    if (statement === undefined) statements.set(message.text, (statement = database.prepare(message.text)));
    insertAll(statement, message.rows);
    parentPort.postMessage({ id: message.id, durationMs: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ id: message.id, durationMs: performance.now() - started, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Reply {
  id: number;
  durationMs: number;
  error?: { message: string; code?: string };
}

export interface RowWriterThread {
  /** Runs `text` once per row in one transaction in the thread; resolves with the statement's duration (ms) once committed, rejects with its error (all rows rolled back). */
  insert(text: string, rows: readonly (readonly unknown[])[]): Promise<number>;
  /** Lets the thread close its connection and end once the batches sent are written. */
  close(): void;
}

/**
 * A thread of its own that writes batches of rows to the SQLite file, so a batch's transaction (the
 * table's B-trees, the WAL pages, now and then a checkpoint with its fsyncs) does not hold the
 * serving thread: what stays there is handing the rows over (a structured clone, ~0.1 ms for 200
 * request records). Started on the first batch; it holds the process open only while a batch is
 * in flight. If it dies, the batches in flight fail (their writer retries them) and the next batch
 * starts a new one.
 */
export function createRowWriterThread(options: { path: string; busyTimeoutMs: number; nice?: number }): RowWriterThread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const pending = new Map<number, { resolve: (durationMs: number) => void; reject: (error: Error) => void }>();
  let worker: Worker | undefined;
  let nextId = 0;

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    // No execArgv: the thread needs none of the process's flags or preloads (tsx under the sources).
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { driver, path: options.path, busyTimeoutMs: options.busyTimeoutMs, nice: options.nice ?? 0 },
      // A batch is a few tens of kB: a small heap keeps the thread's memory near its ~6 MB floor.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 },
    });
    started.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
      else waiting.resolve(reply.durationMs);
    });
    started.on('error', (error) => failAll(error));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`SQLite writer thread exited (code ${code})`));
    });
    started.unref();
    return started;
  };

  return {
    insert(text, rows) {
      const thread = (worker ??= start());
      return new Promise<number>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage({ id, text, rows });
      });
    },
    close() {
      worker?.postMessage({ close: true });
      worker = undefined;
    },
  };
}
