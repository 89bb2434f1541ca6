import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import type { CallOptions, Provider } from '../provider.js';
import { layerOver } from '../request-layer.js';

/**
 * A provider's allowance of requests per UTC day (`usage_optimization.max_requests_per_day`).
 * Implementations share the count across every process that calls the provider and keep it
 * across restarts (`infrastructure/budget/daily-request-quota.ts`, over the budget ledger).
 */
export interface DailyRequestQuota {
  /** The daily allowance. */
  readonly limit: number;
  /** Takes one request of today's allowance; `granted: false` once the day's requests are spent. */
  take(): Promise<{ granted: boolean; used: number; resetAt: number }>;
}

/**
 * Decorator: each request that would reach the provider first takes one unit of its daily
 * allowance. Innermost in the stack (inside retry), so every request the provider receives is
 * counted, retries included. A spent allowance is a local `rate_limit` refusal: never retried,
 * neutral to the breaker, and the fallback chain moves on to the next provider.
 */
export function withDailyQuota(quota: DailyRequestQuota) {
  return (inner: Provider): Provider => {
    const admit = async (options: CallOptions | undefined): Promise<void> => {
      const taken = await quota.take();
      if (taken.granted) return;
      options?.trace?.attempts.push({ provider: inner.name, outcome: 'rate_limit', latencyMs: 0 });
      throw new ProviderError(`${inner.name}: daily request limit reached (max_requests_per_day: ${quota.limit}; resets ${new Date(taken.resetAt).toISOString()})`, {
        provider: inner.name,
        errorClass: 'rate_limit',
        code: 'rate_limited',
        retryAfterMs: Math.max(0, taken.resetAt - Date.now()),
        details: { local: true, quota: 'max_requests_per_day', limit: quota.limit },
      });
    };

    async function* stream(request: ChatRequest, options?: CallOptions): AsyncGenerator<StreamPart> {
      await admit(options);
      yield* inner.stream(request, options);
    }

    return layerOver(inner, {
      async chat(request, options) {
        await admit(options);
        return inner.chat(request, options);
      },
      stream,
      embed: (embed) => async (request, options) => {
        await admit(options);
        return embed(request, options);
      },
    });
  };
}
