/**
 * Streams that always let go of what they hold.
 *
 * An async generator that has not started runs no `finally` when it is closed, and one parked at
 * a `yield` before a `yield*` never closes the iterator it was about to delegate to. A provider
 * stream holds a rate-limit slot and a budget reservation until its source's `finally` runs, so
 * every layer that wraps an already-opened stream uses this class instead of a generator:
 * `return()` reaches the source whether or not the consumer ever called `next()`, and `onEnd`
 * runs exactly once whatever ends the stream (exhausted, failed, closed early).
 */
export interface StreamHooks<T> {
  /** A part already taken from the source (e.g. the first one, read to choose a provider). */
  first?: IteratorResult<T>;
  /** Sees every part before the consumer does; a rejection fails the stream. */
  onPart?: (part: T) => void | Promise<void>;
  /** Runs once: `completed` is true when the source was exhausted, false when it failed or was closed. */
  onEnd?: (completed: boolean) => void | Promise<void>;
}

export class GuardedStream<T> implements AsyncIterableIterator<T> {
  private pending: IteratorResult<T> | undefined;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly hooks: StreamHooks<T> = {},
  ) {
    this.pending = hooks.first;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.ended) return { done: true, value: undefined };
    let step: IteratorResult<T>;
    try {
      if (this.pending) {
        step = this.pending;
        this.pending = undefined;
      } else {
        step = await this.source.next();
      }
      if (step.done) {
        await this.end(true);
        return step;
      }
      // Awaited only when the hook is asynchronous: a part a synchronous hook (or none) has seen is
      // handed on without an extra promise and microtask turn (12 parts × each guarded layer).
      const seen = this.hooks.onPart?.(step.value);
      if (seen !== undefined) await seen;
    } catch (error) {
      // The source may still hold resources if the failure was ours (a hook), not its own.
      await this.closeSource();
      await this.end(false);
      throw error;
    }
    return step;
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (!this.ended) {
      try {
        await this.closeSource();
      } finally {
        await this.end(false);
      }
    }
    return { done: true, value: value as T };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  private async closeSource(): Promise<void> {
    this.pending = undefined;
    await this.source.return?.();
  }

  private async end(completed: boolean): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.hooks.onEnd?.(completed);
  }
}

/** `source` as an iterable that closes properly; `first` is a part already read from it. */
export function guardStream<T>(source: AsyncIterator<T> | AsyncIterable<T>, hooks: StreamHooks<T> = {}): GuardedStream<T> {
  const iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as AsyncIterator<T>);
  return new GuardedStream(iterator, hooks);
}
