import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import type { PromptTokenEstimator } from '../prompt-tokens.js';
import type { CallOptions, Provider } from '../provider.js';
import { layerOver } from '../request-layer.js';
import type { RateLimiter } from './rate-limiter.js';
import { estimateChatTokens, roughChatTokens } from './token-estimator.js';

export interface RateLimitDeps {
  /** Prompt-token estimate before the call (default: cl100k_base via gpt-tokenizer, lazily). */
  estimateTokens?: PromptTokenEstimator | undefined;
}

/**
 * Decorator: wait for the provider's rate limiter before each call; correct with reported usage.
 * Prompt tokens are counted only under a `tokens_per_minute` limit: roughly (`roughChatTokens`, no
 * tokenizer) while the limit cannot bind soon, exactly once it can (`tokensMayBind`), then taken
 * from the call's shared count (`options.promptTokens`) when the caller passed one.
 */
export function withRateLimit(limiter: RateLimiter, deps: RateLimitDeps = {}) {
  const estimate = deps.estimateTokens ?? estimateChatTokens;
  return (inner: Provider): Provider => {
    const refused = (error: unknown, options: CallOptions | undefined): unknown => {
      if (error instanceof ProviderError) options?.trace?.attempts.push({ provider: inner.name, outcome: error.errorClass, latencyMs: 0 });
      return error;
    };
    const waitFor = async (tokens: number, options: CallOptions | undefined) => {
      const granted = limiter.tryAcquire(tokens, options?.signal);
      if (granted !== undefined) return granted;
      try {
        return await limiter.acquire(tokens, options?.signal);
      } catch (error) {
        throw refused(error, options);
      }
    };
    const promptTokens = (request: ChatRequest, options: CallOptions | undefined): number => {
      if (!limiter.limitsTokens) return 0;
      if (!limiter.tokensMayBind) return roughChatTokens(request);
      const shared = options?.promptTokens;
      return shared ? shared.of(request, estimate) : estimate(request);
    };

    async function* stream(request: ChatRequest, options?: CallOptions): AsyncGenerator<StreamPart> {
      const permit = await waitFor(promptTokens(request, options), options);
      try {
        for await (const part of inner.stream(request, options)) {
          if (part.type === 'finish') permit.settle(part.usage.inputTokens + part.usage.outputTokens);
          yield part;
        }
      } finally {
        permit.release();
      }
    }

    return layerOver(inner, {
      async chat(request, options) {
        // `waitFor` written out: one async frame fewer per call, and no wait at all when the
        // limiter grants at once (far from the limits: nothing queued, the buckets in process).
        const tokens = promptTokens(request, options);
        let permit = limiter.tryAcquire(tokens, options?.signal);
        if (permit === undefined) {
          try {
            permit = await limiter.acquire(tokens, options?.signal);
          } catch (error) {
            throw refused(error, options);
          }
        }
        try {
          const result = await inner.chat(request, options);
          permit.settle(result.usage.inputTokens + result.usage.outputTokens);
          return result;
        } finally {
          permit.release();
        }
      },
      stream,
      embed: (embed) => async (request, options) => {
        const tokens = limiter.limitsTokens ? promptTokens({ model: request.model, messages: request.input.map((content) => ({ role: 'user', content })) }, undefined) : 0;
        const permit = await waitFor(tokens, options);
        try {
          const result = await embed(request, options);
          permit.settle(result.usage.inputTokens);
          return result;
        } finally {
          permit.release();
        }
      },
    });
  };
}
