import type { ChatRequest, ChatResult, StreamPart } from '../../core/chat.js';
import { FortitudeError } from '../../core/errors.js';
import { guardStream } from '../../core/guarded-stream.js';
import type { CancelSignal } from '../cancel-signal.js';
import type { PromptTokens } from '../prompt-tokens.js';
import { createCallTrace } from '../provider.js';
import type { AttemptRecord, CallTrace, Provider } from '../provider.js';
import { openStream } from './fallback-provider.js';
import { Race } from './race.js';
import type { RaceAttempt } from './race.js';

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

export interface ChainCallOptions {
  signal?: CancelSignal | undefined;
  /**
   * Where every try is recorded, failed ones included (default: a fresh trace). Pass one to
   * read the attempts of a call that failed altogether.
   */
  trace?: CallTrace | undefined;
  /** The call's prompt-token count, handed to every member (their token limits reuse it). */
  promptTokens?: PromptTokens | undefined;
  /** false: fall back only when a try fails, never hedge (the caller named its provider). */
  hedge?: boolean | undefined;
}

export interface ProviderChain {
  /**
   * Calls the providers named in `order`, falling back on availability failures and hedging a
   * try slower than its provider's expected latency; the first provider's deadline bounds it all.
   */
  call(order: readonly string[], request: ChatRequest, options?: ChainCallOptions): Promise<ChainAnswer>;
  /**
   * Resolves once the first part has arrived, i.e. after any fallback, so the caller can send
   * headers naming the provider; later failures surface from `parts`.
   */
  stream(order: readonly string[], request: ChatRequest, options?: ChainCallOptions): Promise<ChainStream>;
}

/** Ordered fallback over named providers, in the order routing chose for each request. */
export function createProviderChain(providers: ReadonlyMap<string, Provider>): ProviderChain {
  const members = (order: readonly string[]): Provider[] => {
    const found: Provider[] = [];
    for (const name of order) {
      const provider = providers.get(name);
      if (provider !== undefined) found.push(provider);
    }
    if (found.length === 0) {
      throw new FortitudeError('provider_unavailable', `none of the providers ${order.join(', ') || '(none)'} is configured`);
    }
    return found;
  };
  const failures = (attempts: readonly AttemptRecord[]) => attempts.filter((attempt) => attempt.outcome !== 'ok');

  return {
    async call(order, request, options = {}) {
      const chosen = members(order);
      const trace = options.trace ?? createCallTrace();
      const promptTokens = options.promptTokens;
      const call = (provider: Provider, attempt: RaceAttempt) => provider.chat(request, { signal: attempt, trace: attempt, promptTokens });
      const win = await new Race(order.join('>'), chosen, 'chat', call, { signal: options.signal, trace, hedge: options.hedge }).run();
      const provider = win.provider.name;
      return { result: win.value, provider, simulated: win.provider.simulated, attempts: failures(trace.attempts) };
    },

    async stream(order, request, options = {}) {
      const chosen = members(order);
      const trace = options.trace ?? createCallTrace();
      const { win, race } = await openStream(order.join('>'), chosen, request, { signal: options.signal, trace, promptTokens: options.promptTokens, hedge: options.hedge });
      const provider = win.provider.name;
      // Not a generator: one that was never started would not close the member's stream when closed.
      const parts = guardStream(win.value.iterator, { first: win.value.first, onEnd: () => race.release() });
      return { provider, simulated: win.provider.simulated, attempts: failures(trace.attempts), parts };
    },
  };
}
