import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { createSemaphore } from './semaphore.js';

export type BatchResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatchTiming {
  /** Position in the input. */
  index: number;
  durationMs: number;
  ok: boolean;
  error?: unknown;
}

export interface BatchProcessorOptions {
  /** Items per chunk; chunks run one after another (the seed's `batch_size`). */
  batchSize: number;
  /** Items in flight at once, across every `process` call on this processor. */
  maxConcurrent: number;
}

export interface BatchProcessorDeps {
  clock?: Clock;
  /** Called once per item when it settles (the seed's `record_request_metrics`). */
  onItem?(timing: BatchTiming): void;
}

export interface BatchProcessor {
  /**
   * Runs `run` over `items` in chunks of `batchSize` under the `maxConcurrent` semaphore.
   * Never rejects: each result says `ok` or carries its error, in input order.
   */
  process<I, O>(items: readonly I[], run: (item: I, index: number) => Promise<O>): Promise<BatchResult<O>[]>;
}

/** The seed's `BatchProcessor`: chunked, bounded-concurrency fan-out with per-item timing. */
export function createBatchProcessor(options: BatchProcessorOptions, deps: BatchProcessorDeps = {}): BatchProcessor {
  if (!(options.batchSize >= 1)) throw new RangeError(`batchSize must be at least 1 (got ${options.batchSize})`);
  const semaphore = createSemaphore(options.maxConcurrent);
  const clock = deps.clock ?? systemClock;

  const one = async <I, O>(item: I, index: number, run: (item: I, index: number) => Promise<O>): Promise<BatchResult<O>> => {
    const release = await semaphore.acquire();
    const startedAt = clock.now();
    let result: BatchResult<O>;
    try {
      result = { ok: true, value: await run(item, index) };
    } catch (error) {
      result = { ok: false, error };
    } finally {
      release();
    }
    const durationMs = clock.now() - startedAt;
    deps.onItem?.(result.ok ? { index, durationMs, ok: true } : { index, durationMs, ok: false, error: result.error });
    return result;
  };

  return {
    async process<I, O>(items: readonly I[], run: (item: I, index: number) => Promise<O>): Promise<BatchResult<O>[]> {
      const results: BatchResult<O>[] = [];
      for (let start = 0; start < items.length; start += options.batchSize) {
        const chunk = items.slice(start, start + options.batchSize);
        const settled = await Promise.all(chunk.map((item, offset) => one(item, start + offset, run)));
        for (const result of settled) results.push(result);
      }
      return results;
    },
  };
}
