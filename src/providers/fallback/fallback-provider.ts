import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { guardStream } from '../../core/guarded-stream.js';
import type { CallOptions, Provider, ProviderCapabilities } from '../provider.js';
import { isRetryableFailure } from '../retry/retry-policy.js';

/**
 * Whether the next provider should be tried: the provider is unavailable (breaker open,
 * refused, local rate limit) or failed in a way a retry could fix. A client mistake (400, 401,
 * 404) would fail the same way elsewhere, so it goes straight up.
 */
export function shouldFallBack(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.errorClass === 'circuit_open' || error.errorClass === 'connection' || error.errorClass === 'rate_limit') return true;
  return isRetryableFailure(error);
}

export interface FallbackOptions {
  /** Name of the chain as a provider (default: the members' names joined by `>`). */
  name?: string;
}

function allFailed(name: string, failures: readonly ProviderError[], capability: string): ProviderError {
  const last = failures[failures.length - 1];
  if (!last) return new ProviderError(`${name}: no provider in the chain supports ${capability}`, { provider: name, errorClass: 'bad_request' });
  const waits = failures.map((failure) => failure.retryAfterMs).filter((wait): wait is number => wait !== undefined);
  return new ProviderError(`${name}: every provider failed: ${failures.map((failure) => failure.message).join('; ')}`, {
    provider: last.provider,
    errorClass: last.errorClass,
    status: last.status,
    retryAfterMs: waits.length === failures.length ? Math.min(...waits) : undefined,
    code: 'provider_unavailable',
    retryable: last.retryable,
    cause: last,
    details: { providers: failures.map((failure) => failure.provider) },
  });
}

/**
 * The one fallback loop: `call` on each member in order until one answers; an availability
 * failure moves on, anything else (a client mistake, the caller's abort) goes straight up.
 */
export async function inOrder<T>(
  name: string,
  members: readonly Provider[],
  capability: string,
  call: (provider: Provider) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const failures: ProviderError[] = [];
  for (const provider of members) {
    try {
      return await call(provider);
    } catch (error) {
      if (signal?.aborted || !shouldFallBack(error)) throw error;
      failures.push(error as ProviderError);
    }
  }
  throw allFailed(name, failures, capability);
}

/**
 * An ordered chain: each call goes to the first provider; on an availability failure, to the
 * next. Streams fall back only before their first part, so a fallback is invisible to the
 * caller; after that, errors propagate. Attempts are recorded on `options.trace` by the members.
 */
export function createFallbackProvider(providers: readonly Provider[], options: FallbackOptions = {}): Provider {
  if (providers.length === 0) throw new Error('createFallbackProvider needs at least one provider');
  const name = options.name ?? providers.map((provider) => provider.name).join('>');
  const capable = (capability: keyof ProviderCapabilities) => providers.filter((provider) => provider.capabilities[capability]);
  const capabilities: ProviderCapabilities = {
    streaming: capable('streaming').length > 0,
    embeddings: capable('embeddings').length > 0,
  };

  async function* stream(request: ChatRequest, callOptions?: CallOptions): AsyncGenerator<StreamPart> {
    const failures: ProviderError[] = [];
    for (const provider of capable('streaming')) {
      const iterator = provider.stream(request, callOptions)[Symbol.asyncIterator]();
      let first: IteratorResult<StreamPart>;
      try {
        first = await iterator.next();
      } catch (error) {
        if (callOptions?.signal?.aborted || !shouldFallBack(error)) throw error;
        failures.push(error as ProviderError);
        continue;
      }
      if (first.done) return;
      // From here on the caller sees this provider's answer: no more fallback. Delegating the
      // first part too means closing this stream at any point closes the member's stream.
      yield* guardStream(iterator, { first });
      return;
    }
    throw allFailed(name, failures, 'streaming');
  }

  const fallback: Provider = {
    name,
    kind: providers[0]!.kind,
    capabilities,
    simulated: providers.every((provider) => provider.simulated),
    chat: (request, callOptions) => inOrder(name, providers, 'chat', (provider) => provider.chat(request, callOptions), callOptions?.signal),
    stream,
    // The chain does not own its members (routing may build a chain per request); their owner closes them.
    close: () => Promise.resolve(),
  };
  if (capabilities.embeddings) {
    fallback.embed = (request, callOptions) =>
      inOrder(name, capable('embeddings'), 'embeddings', (provider) => provider.embed!(request, callOptions), callOptions?.signal);
  }
  return fallback;
}
