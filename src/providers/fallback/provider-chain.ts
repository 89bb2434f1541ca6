import type { ChatRequest, ChatResult, StreamPart } from '../../core/chat.js';
import { FortitudeError } from '../../core/errors.js';
import { guardStream } from '../../core/guarded-stream.js';
import { createCallTrace } from '../provider.js';
import type { AttemptRecord, Provider } from '../provider.js';
import { createFallbackProvider, inOrder } from './fallback-provider.js';

export interface ChainAnswer {
  result: ChatResult;
  /** The provider that answered (for `x-fortitude-provider`). */
  provider: string;
  simulated: boolean;
  /** Failed tries before the answer, in order (retries included). */
  attempts: AttemptRecord[];
}

export interface ChainStream {
  provider: string;
  simulated: boolean;
  attempts: AttemptRecord[];
  /** The answer's parts, starting with the first one already received. */
  parts: AsyncIterable<StreamPart>;
}

export interface ProviderChain {
  /** Calls the providers named in `order`, falling back on availability failures. */
  call(order: readonly string[], request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChainAnswer>;
  /**
   * Resolves once the first part has arrived, i.e. after any fallback, so the caller can send
   * headers naming the provider; later failures surface from `parts`.
   */
  stream(order: readonly string[], request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChainStream>;
}

/** Ordered fallback over named providers, in the order routing chose for each request. */
export function createProviderChain(providers: ReadonlyMap<string, Provider>): ProviderChain {
  const members = (order: readonly string[]): Provider[] => {
    const found = order.map((name) => providers.get(name)).filter((provider): provider is Provider => provider !== undefined);
    if (found.length === 0) {
      throw new FortitudeError('provider_unavailable', `none of the providers ${order.join(', ') || '(none)'} is configured`);
    }
    return found;
  };
  const failures = (attempts: readonly AttemptRecord[]) => attempts.filter((attempt) => attempt.outcome !== 'ok');

  return {
    async call(order, request, options = {}) {
      const chosen = members(order);
      const trace = createCallTrace();
      const callOptions = { signal: options.signal, trace };
      const result = await inOrder(order.join('>'), chosen, 'chat', (provider) => provider.chat(request, callOptions), options.signal);
      const provider = trace.provider ?? chosen[0]!.name;
      return { result, provider, simulated: providers.get(provider)?.simulated ?? false, attempts: failures(trace.attempts) };
    },

    async stream(order, request, options = {}) {
      const chosen = members(order);
      const trace = createCallTrace();
      const iterator = createFallbackProvider(chosen).stream(request, { signal: options.signal, trace })[Symbol.asyncIterator]();
      const first = await iterator.next();
      const provider = trace.provider ?? chosen[0]!.name;
      // Not a generator: one that was never started would not close `iterator` when closed.
      const parts = guardStream(iterator, { first });
      return { provider, simulated: providers.get(provider)?.simulated ?? false, attempts: failures(trace.attempts), parts };
    },
  };
}
