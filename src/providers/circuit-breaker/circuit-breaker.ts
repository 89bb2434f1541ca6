import type { StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { CallOptions, Provider } from '../provider.js';
import { layerOver } from '../request-layer.js';
import { DEFAULT_BREAKER_POLICY } from './breaker-state.js';
import type { Admission, BreakerOutcome, BreakerPolicy, BreakerSnapshot } from './breaker-state.js';
import type { BreakerStore } from './breaker-store.js';
import { MemoryBreakerStore } from './memory-breaker-store.js';

/** Failures that say the provider is unwell; client mistakes and local refusals say nothing. */
export function breakerOutcome(error: unknown): BreakerOutcome {
  if (!(error instanceof ProviderError)) return 'neutral';
  switch (error.errorClass) {
    case 'server':
    case 'timeout':
    case 'connection':
    case 'stream_broken':
      return 'failure';
    default:
      return 'neutral';
  }
}

function ignore(): void {}

/** One provider's breaker: a policy, a key and a store. */
export class CircuitBreaker {
  readonly key: string;
  readonly policy: BreakerPolicy;
  readonly #store: BreakerStore;
  readonly #ownsStore: boolean;
  readonly #clock: Clock;

  constructor(key: string, policy: Partial<BreakerPolicy> = {}, deps: { store?: BreakerStore; clock?: Clock } = {}) {
    this.key = key;
    this.policy = { ...DEFAULT_BREAKER_POLICY, ...policy };
    this.#store = deps.store ?? new MemoryBreakerStore();
    this.#ownsStore = deps.store === undefined;
    this.#clock = deps.clock ?? systemClock;
  }

  /** Resolves to whether the call is a probe; throws a `circuit_open` ProviderError when refused. */
  async admit(): Promise<boolean> {
    return this.#admitted(await this.#store.admit(this.key, this.policy, this.#clock.now()));
  }

  /**
   * `admit()` without a promise, for a store that decides in process (`admitNow`: the memory
   * store): whether the call is a probe, or undefined when only `admit()` can tell. Throws the
   * `circuit_open` ProviderError `admit()` rejects with.
   */
  admitNow(): boolean | undefined {
    const store = this.#store;
    if (store.admitNow === undefined) return undefined;
    return this.#admitted(store.admitNow(this.key, this.policy, this.#clock.now()));
  }

  #admitted(admission: Admission): boolean {
    if (admission.allowed) return admission.probe;
    throw new ProviderError(`${this.key}: circuit breaker is open (retry in ${Math.ceil(admission.retryAfterMs)} ms)`, {
      provider: this.key,
      errorClass: 'circuit_open',
      retryAfterMs: admission.retryAfterMs,
    });
  }

  record(outcome: BreakerOutcome, probe: boolean): void {
    const store = this.#store;
    if (store.recordNow !== undefined) {
      store.recordNow(this.key, this.policy, outcome, probe, this.#clock.now());
      return;
    }
    void store.record(this.key, this.policy, outcome, probe, this.#clock.now()).catch(ignore);
  }

  snapshot(): Promise<BreakerSnapshot> {
    return this.#store.snapshot(this.key, this.policy, this.#clock.now());
  }

  async close(): Promise<void> {
    if (this.#ownsStore) await this.#store.close();
  }
}

/** Decorator: refuse calls while the breaker is open, and feed it every call's outcome. */
export function withCircuitBreaker(breaker: CircuitBreaker) {
  return (inner: Provider): Provider => {
    const refused = (error: unknown, options: CallOptions | undefined) => {
      if (error instanceof ProviderError && error.errorClass === 'circuit_open') {
        options?.trace?.attempts.push({ provider: inner.name, outcome: 'circuit_open', latencyMs: 0 });
      }
    };
    /** Whether the call is a probe: decided in process when the store can, without a promise. */
    const admit = (options: CallOptions | undefined): boolean | Promise<boolean> => {
      try {
        return breaker.admitNow() ?? breaker.admit().catch((error: unknown) => {
          refused(error, options);
          throw error;
        });
      } catch (error) {
        refused(error, options);
        throw error;
      }
    };
    const guard = async <T>(call: () => Promise<T>, options: CallOptions | undefined): Promise<T> => {
      const probe = await admit(options);
      try {
        const result = await call();
        breaker.record('success', probe);
        return result;
      } catch (error) {
        breaker.record(breakerOutcome(error), probe);
        throw error;
      }
    };
    async function* stream(request: Parameters<Provider['stream']>[0], options?: CallOptions): AsyncGenerator<StreamPart> {
      const probe = await admit(options);
      let outcome: BreakerOutcome = 'neutral';
      let sawData = false;
      try {
        for await (const part of inner.stream(request, options)) {
          sawData = true;
          yield part;
        }
        outcome = 'success';
      } catch (error) {
        outcome = breakerOutcome(error);
        throw error;
      } finally {
        // A consumer that stops early after data leaves `neutral` → the provider did answer.
        breaker.record(outcome === 'neutral' && sawData ? 'success' : outcome, probe);
      }
    }
    return layerOver(inner, {
      // Written out rather than through `guard`: no closure per call, and no await before the
      // call when the store decides in process.
      async chat(request, options) {
        const admitted = admit(options);
        const probe = typeof admitted === 'boolean' ? admitted : await admitted;
        try {
          const result = await inner.chat(request, options);
          breaker.record('success', probe);
          return result;
        } catch (error) {
          breaker.record(breakerOutcome(error), probe);
          throw error;
        }
      },
      stream,
      embed: (embed) => (request, options) => guard(() => embed(request, options), options),
    });
  };
}
