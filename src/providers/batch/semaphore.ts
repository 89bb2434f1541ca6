/** A counting semaphore with a FIFO wait list. */
export interface Semaphore {
  /** Resolves with a release function once a permit is free. */
  acquire(): Promise<() => void>;
  readonly available: number;
  readonly waiting: number;
}

export function createSemaphore(permits: number): Semaphore {
  if (!(permits >= 1)) throw new RangeError(`a semaphore needs at least one permit (got ${permits})`);
  let available = permits;
  const waiters: ((release: () => void) => void)[] = [];
  const makeRelease = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiters.shift();
      if (next) next(makeRelease());
      else available += 1;
    };
  };
  return {
    acquire() {
      if (available > 0) {
        available -= 1;
        return Promise.resolve(makeRelease());
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    get available() {
      return available;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
