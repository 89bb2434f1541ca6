import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { guardStream } from '../../core/guarded-stream.js';
import type { GuardedStream } from '../../core/guarded-stream.js';
import type { CancelSignal } from '../cancel-signal.js';
import type { CallOptions, CallTrace, Provider, ProviderCapabilities } from '../provider.js';
import { Race } from './race.js';
import type { RaceAttempt, RaceOptions, RaceWin } from './race.js';

export { shouldFallBack } from './race.js';

export interface FallbackOptions {
  /** Name of the chain as a provider (default: the members' names joined by `>`). */
  name?: string;
}

/** `call` on each member in order (with hedging and the deadline, see `Race`); resolves to the answer. */
export async function inOrder<T>(
  name: string,
  members: readonly Provider[],
  capability: string,
  call: (provider: Provider, attempt: RaceAttempt) => Promise<T>,
  options: { signal?: CancelSignal | undefined; trace?: CallTrace | undefined } = {},
): Promise<T> {
  return (await new Race(name, members, capability, call, options).run()).value;
}

/** A stream opened by a member: its iterator and the first part it produced. */
export interface OpenedStream {
  iterator: AsyncIterator<StreamPart>;
  first: IteratorResult<StreamPart>;
}

/**
 * Opens `request` as a stream on the first member that produces a part (the same race as `call`:
 * hedged, bounded by the deadline). A stream opened by a loser is closed. `release()` on the
 * returned race once the winner's stream has ended.
 */
export async function openStream(
  name: string,
  members: readonly Provider[],
  request: ChatRequest,
  callOptions: (CallOptions & { hedge?: boolean | undefined }) | undefined,
  timers: Pick<RaceOptions<OpenedStream>, 'timers' | 'clock'> = {},
): Promise<{ win: RaceWin<OpenedStream>; race: Race<OpenedStream> }> {
  const race = new Race<OpenedStream>(
    name,
    members,
    'streaming',
    async (provider, attempt) => {
      const iterator = provider.stream(request, { signal: attempt, trace: attempt, promptTokens: callOptions?.promptTokens })[Symbol.asyncIterator]();
      return { iterator, first: await iterator.next() };
    },
    { ...timers, signal: callOptions?.signal, trace: callOptions?.trace, hedge: callOptions?.hedge, linger: true, discard: (opened) => void opened.iterator.return?.() },
  );
  return { win: await race.run(), race };
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

  // Not a generator: one that was never started would not close the member's stream when closed.
  const stream = (request: ChatRequest, callOptions?: CallOptions): AsyncIterable<StreamPart> => ({
    [Symbol.asyncIterator]: () => openedLazily(request, callOptions),
  });
  const openedLazily = (request: ChatRequest, callOptions: CallOptions | undefined): AsyncIterator<StreamPart> => {
    let opened: Promise<GuardedStream<StreamPart>> | undefined;
    const open = () =>
      (opened ??= openStream(name, capable('streaming'), request, callOptions).then(({ win, race }) =>
        guardStream(win.value.iterator, { first: win.value.first, onEnd: () => race.release() }),
      ));
    return {
      next: async () => (await open()).next(),
      return: async (value?: unknown) => (opened ? (await opened.catch(() => undefined))?.return(value) : undefined) ?? { done: true, value: undefined },
    };
  };

  const fallback: Provider = {
    name,
    kind: providers[0]!.kind,
    capabilities,
    simulated: providers.every((provider) => provider.simulated),
    chat: (request, callOptions) =>
      inOrder(name, providers, 'chat', (provider, attempt) => provider.chat(request, { signal: attempt, trace: attempt, promptTokens: callOptions?.promptTokens }), callOptions),
    stream,
    // The chain does not own its members (routing may build a chain per request); their owner closes them.
    close: () => Promise.resolve(),
  };
  if (capabilities.embeddings) {
    fallback.embed = (request, callOptions) =>
      inOrder(name, capable('embeddings'), 'embeddings', (provider, attempt) => provider.embed!(request, { signal: attempt, trace: attempt }), callOptions);
  }
  return fallback;
}
