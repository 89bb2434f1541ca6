import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import type { Clock } from '../clock.js';
import { sleep, systemClock } from '../clock.js';
import type { CallOptions, Provider } from '../provider.js';
import { layerOver } from '../request-layer.js';
import { isRetryableFailure, retryDelayMs } from './retry-policy.js';
import type { RetryOptions } from './retry-policy.js';
import type { CancelSignal } from '../cancel-signal.js';

export interface RetryDeps {
  clock?: Clock;
  /** Uniform [0, 1) source for jitter; injected for deterministic tests. */
  random?: () => number;
}

/**
 * Decorator: repeat failed calls per `RetryOptions`. A stream is retried only while nothing has
 * been yielded to the caller; once a part went out, its failure propagates.
 */
export function withRetry(options: RetryOptions, deps: RetryDeps = {}) {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;

  /** The wait before the next try, or undefined when the error must go up now. */
  const nextDelay = (error: unknown, retry: number, signal: CancelSignal | undefined): number | undefined => {
    if (retry >= options.maxRetries || signal?.aborted || !isRetryableFailure(error)) return undefined;
    const retryAfterMs = error instanceof ProviderError ? error.retryAfterMs : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) return undefined;
    return retryDelayMs(options, retry, retryAfterMs, random);
  };

  return (inner: Provider): Provider => {
    async function run<T>(call: () => Promise<T>, signal: CancelSignal | undefined): Promise<T> {
      for (let retry = 0; ; retry += 1) {
        try {
          return await call();
        } catch (error) {
          const delay = nextDelay(error, retry, signal);
          if (delay === undefined) throw error;
          await sleep(clock, delay, signal);
        }
      }
    }

    async function* stream(request: ChatRequest, callOptions?: CallOptions): AsyncGenerator<StreamPart> {
      const signal = callOptions?.signal;
      for (let retry = 0; ; retry += 1) {
        let delivered = false;
        try {
          for await (const part of inner.stream(request, callOptions)) {
            delivered = true;
            yield part;
          }
          return;
        } catch (error) {
          const delay = delivered ? undefined : nextDelay(error, retry, signal);
          if (delay === undefined) throw error;
          await sleep(clock, delay, signal);
        }
      }
    }

    return layerOver(inner, {
      // `run` written out: no closure per call.
      async chat(request, callOptions) {
        const signal = callOptions?.signal;
        for (let retry = 0; ; retry += 1) {
          try {
            return await inner.chat(request, callOptions);
          } catch (error) {
            const delay = nextDelay(error, retry, signal);
            if (delay === undefined) throw error;
            await sleep(clock, delay, signal);
          }
        }
      },
      stream,
      embed: (embed) => (request, callOptions) => run(() => embed(request, callOptions), callOptions?.signal),
    });
  };
}
