/**
 * Temporary wrappers for profiling a live process: a profile swaps a method for a timed or
 * traced version for its duration and puts the original back afterwards. Nothing is changed
 * when no profile runs, so the request path pays nothing for the feature.
 */

export interface CallTiming {
  /** `repository.method`, as passed to `instrumentObject`. */
  name: string;
  /** ms since the epoch when the call started. */
  at: number;
  durationMs: number;
  ok: boolean;
}

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Replaces `target[key]` with `wrapper(original)` and returns the undo. An own property is put
 * back; a method that came from the prototype is uncovered again by deleting the own property.
 * If something else replaced the method meanwhile, the undo leaves it alone.
 */
export function intercept<T extends object>(target: T, key: string, wrapper: (original: AnyFunction) => AnyFunction): () => void {
  const record = target as Record<string, unknown>;
  const original = record[key];
  if (typeof original !== 'function') return () => undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor && !descriptor.writable && !descriptor.set) return () => undefined;
  if (!descriptor && !Object.isExtensible(target)) return () => undefined;
  const replacement = wrapper(original as AnyFunction);
  record[key] = replacement;
  return () => {
    if (record[key] !== replacement) return;
    if (descriptor) record[key] = original;
    else delete record[key];
  };
}

/** Times every call (sync or async) of every method of `target`; returns the undo. */
export function instrumentObject(target: object, label: string, onCall: (timing: CallTiming) => void): () => void {
  const undos: (() => void)[] = [];
  const keys = new Set<string>();
  for (let object: object | null = target; object && object !== Object.prototype; object = Object.getPrototypeOf(object) as object | null) {
    for (const key of Object.getOwnPropertyNames(object)) {
      // Methods only: reading an accessor could run code with side effects.
      if (key !== 'constructor' && typeof Object.getOwnPropertyDescriptor(object, key)?.value === 'function') keys.add(key);
    }
  }
  for (const key of keys) {
    undos.push(
      intercept(target, key, (original) =>
        function timed(this: unknown, ...args: unknown[]): unknown {
          const at = Date.now();
          const started = performance.now();
          const finish = (ok: boolean) => onCall({ name: `${label}.${key}`, at, durationMs: performance.now() - started, ok });
          let result: unknown;
          try {
            result = original.apply(this, args);
          } catch (error) {
            finish(false);
            throw error;
          }
          if (isPromiseLike(result)) {
            return result.then(
              (value) => {
                finish(true);
                return value;
              },
              (error: unknown) => {
                finish(false);
                throw error;
              },
            );
          }
          finish(true);
          return result;
        },
      ),
    );
  }
  return () => {
    for (const undo of undos.reverse()) undo();
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
