import { ProviderError } from '../../core/errors.js';
import { TryCancel } from '../cancel-signal.js';
import type { CancelSignal } from '../cancel-signal.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { AttemptRecord, CallTrace, Provider } from '../provider.js';
import { isRetryableFailure } from '../retry/retry-policy.js';
import { DueEntry, DueTimers, unrefClock } from './due-timers.js';

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

export function allFailed(name: string, failures: readonly ProviderError[], capability: string): ProviderError {
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

/** The answer and who gave it. */
export interface RaceWin<T> {
  provider: Provider;
  value: T;
}

export interface RaceOptions<T> {
  /** The caller's signal: aborting it cancels every running try. */
  signal?: CancelSignal | undefined;
  /** Frees an answer that arrived after another member had already won (e.g. closes a stream). */
  discard?: ((value: T) => void) | undefined;
  /**
   * Keep the winner's try linked to `signal` after the race is won, until `release()` (streams:
   * the caller's abort still reaches the transport while the answer is read).
   */
  linger?: boolean | undefined;
  /**
   * Receives every try's attempts as the race learns of them, in order; a try cancelled at the
   * deadline, or a hedge's loser that outran its provider's own delay, as one `timeout` attempt
   * lasting until it was cancelled (another cancelled loser as none). Tries report their
   * own cancellation too, later, to their own trace only, so nothing is counted twice.
   */
  trace?: CallTrace | undefined;
  /**
   * false: no hedge; the next member starts only when a try fails (a caller that named its
   * provider gets that provider's answer unless it fails). Default true.
   */
  hedge?: boolean | undefined;
  /** Shared timers (default: one set for the process, on the system clock). */
  timers?: DueTimers | undefined;
  clock?: Clock | undefined;
}

/** What a try is given: the signal that cancels it and the trace its layers record into. */
export type RaceAttempt = CancelSignal & CallTrace;

/** A running try: its member, the signal that cancels it, and its own trace. */
class RaceTry extends TryCancel implements CallTrace {
  attempts: AttemptRecord[] = [];
  provider?: string;

  constructor(
    readonly member: Provider,
    readonly startedAt: number,
  ) {
    super();
  }
}

/**
 * Why a hedge's loser was cancelled when that says nothing against its provider: not a
 * `ProviderError`, so the provider's layers treat it as the caller's abort (no failure for its
 * breaker, statistics or records).
 */
export class HedgeCancelled extends Error {
  override readonly name = 'HedgeCancelled';
}

const HEDGE = 0;
const DEADLINE = 1;
const sharedTimers = new DueTimers(unrefClock);

/**
 * The one fallback loop, for chat, embeddings and opening streams: `call` on each member in turn
 * until one answers. An availability failure moves on at once; a try that runs longer than its
 * provider's `timing.hedgeAfterMs()` starts the next member beside it (a hedge), and the first
 * answer wins while the others are cancelled, which releases their rate-limit slots. The first
 * member's `timing.deadlineMs` bounds everything. Anything else (a client mistake, the caller's
 * abort) goes straight up.
 *
 * Timers come from a shared `DueTimers`; a call that is answered before its hedge delay creates
 * no timer, no `AbortController` and no closure of its own.
 */
export class Race<T> {
  readonly #members: readonly Provider[];
  readonly #call: (provider: Provider, attempt: RaceAttempt) => Promise<T>;
  readonly #options: RaceOptions<T>;
  readonly #timers: DueTimers;
  readonly #clock: Clock;
  readonly #hedge = new DueEntry(this, HEDGE);
  readonly #deadline = new DueEntry(this, DEADLINE);
  #tries: RaceTry[] = [];
  #failures: ProviderError[] = [];
  #next = 0;
  #running = 0;
  #settled = false;
  #listening = false;
  #onCallerAbort: (() => void) | undefined;
  #resolve!: (win: RaceWin<T>) => void;
  #reject!: (error: unknown) => void;

  constructor(
    readonly name: string,
    members: readonly Provider[],
    readonly capability: string,
    call: (provider: Provider, attempt: RaceAttempt) => Promise<T>,
    options: RaceOptions<T> = {},
  ) {
    this.#members = members;
    this.#call = call;
    this.#options = options;
    this.#timers = options.timers ?? sharedTimers;
    this.#clock = options.clock ?? systemClock;
  }

  run(): Promise<RaceWin<T>> {
    return new Promise<RaceWin<T>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const signal = this.#options.signal;
      if (signal?.aborted) return reject(signal.reason);
      if (this.#members.length === 0) return reject(allFailed(this.name, [], this.capability));
      const deadlineMs = this.#members[0]!.timing?.deadlineMs;
      if (deadlineMs !== undefined) this.#timers.schedule(this.#deadline, deadlineMs);
      if (signal) {
        this.#onCallerAbort = () => {
          this.#listening = false;
          for (const running of this.#tries) running.cancel(signal.reason);
        };
        signal.addEventListener('abort', this.#onCallerAbort, { once: true });
        this.#listening = true;
      }
      this.#launch();
    });
  }

  /** With `linger`: the winner's answer is finished; stop listening to the caller's signal. */
  release(): void {
    this.#unlisten();
    this.#tries = [];
  }

  /** Called by `DueEntry` when a timer is due. */
  onDue(kind: number): void {
    if (this.#settled) return;
    if (kind === HEDGE) {
      if (this.#next < this.#members.length) this.#launch();
      return;
    }
    const first = this.#members[0]!;
    const seconds = (first.timing?.deadlineMs ?? 0) / 1000;
    const error = new ProviderError(`${this.name}: no answer within the ${seconds} s deadline (deadline_seconds of ${first.name})`, {
      provider: first.name,
      errorClass: 'timeout',
      code: 'timeout',
      retryable: true,
      details: { reason: 'deadline', providers: this.#members.slice(0, this.#next).map((member) => member.name) },
    });
    this.#settle();
    this.#recordTimedOut();
    this.#cancelAll(error);
    this.release();
    this.#reject(error);
  }

  #launch(): void {
    const provider = this.#members[this.#next]!;
    this.#next += 1;
    const running = new RaceTry(provider, this.#clock.now());
    // A literal for the first try: pushing onto `[]` grows a 16-slot store per call.
    if (this.#tries.length === 0) this.#tries = [running];
    else this.#tries.push(running);
    this.#running += 1;
    const hedgeAfterMs = this.#next < this.#members.length && this.#options.hedge !== false ? provider.timing?.hedgeAfterMs() : undefined;
    if (hedgeAfterMs === undefined) this.#timers.cancel(this.#hedge);
    else this.#timers.schedule(this.#hedge, hedgeAfterMs);
    void this.#try(running);
  }

  async #try(running: RaceTry): Promise<void> {
    const provider = running.member;
    let value: T;
    try {
      value = await this.#call(provider, running);
    } catch (error) {
      this.#running -= 1;
      this.#failed(running, error);
      return;
    }
    this.#running -= 1;
    if (this.#settled) {
      this.#options.discard?.(value);
      return;
    }
    provider.timing?.observe(this.#clock.now() - running.startedAt);
    this.#settle();
    this.#record(running.attempts);
    const trace = this.#options.trace;
    if (trace) {
      trace.provider = provider.name;
      // What the winner records from now on (a stream's own attempt, at its end) goes to the caller.
      running.attempts = trace.attempts;
    }
    if (this.#tries.length > 1) this.#cancelLosers(running);
    if (this.#options.linger) this.#tries = [running];
    else this.release();
    this.#resolve({ provider, value });
  }

  #failed(running: RaceTry, error: unknown): void {
    if (this.#settled) return; // a cancelled loser, or a try that failed after the deadline
    const index = this.#tries.indexOf(running);
    if (index >= 0) this.#tries.splice(index, 1);
    this.#record(running.attempts);
    if (this.#options.signal?.aborted || !shouldFallBack(error)) {
      this.#settle();
      this.#cancelAll(error);
      this.release();
      this.#reject(error);
      return;
    }
    this.#failures.push(error as ProviderError);
    if (this.#running > 0) return; // a hedge is still running: wait for it
    if (this.#next < this.#members.length) return this.#launch();
    this.#settle();
    this.release();
    this.#reject(allFailed(this.name, this.#failures, this.capability));
  }

  #settle(): void {
    this.#settled = true;
    this.#timers.cancel(this.#hedge);
    this.#timers.cancel(this.#deadline);
  }

  /**
   * The losers are cancelled. One that outran its own provider's hedge delay (`hedgeLost`) fails
   * as a timeout: its breaker, statistics and the router hear how slow it was, and the caller's
   * trace gets a `timeout` attempt. Any other (a hedge that started late, a provider whose normal
   * latency is not known yet) is only cancelled: nothing holds it against its provider.
   */
  #cancelLosers(winner: RaceTry): void {
    const now = this.#clock.now();
    const trace = this.#options.trace;
    for (const loser of this.#tries) {
      if (loser === winner) continue;
      const name = loser.member.name;
      const elapsedMs = now - loser.startedAt;
      if (!(loser.member.timing?.hedgeLost(elapsedMs) ?? true)) {
        loser.cancel(new HedgeCancelled(`${name}: cancelled, ${winner.member.name} answered first`));
        continue;
      }
      trace?.attempts.push({ provider: name, outcome: 'timeout', latencyMs: elapsedMs });
      loser.cancel(
        new ProviderError(`${name}: no answer after its hedge delay; ${winner.member.name} answered first`, {
          provider: name,
          errorClass: 'timeout',
          details: { reason: 'hedged' },
        }),
      );
    }
  }

  #record(attempts: readonly AttemptRecord[]): void {
    const trace = this.#options.trace;
    if (trace) for (const attempt of attempts) trace.attempts.push(attempt);
  }

  /** Each running try, as the timeout it is about to become (the deadline passed). */
  #recordTimedOut(): void {
    const trace = this.#options.trace;
    if (!trace) return;
    const now = this.#clock.now();
    for (const running of this.#tries) trace.attempts.push({ provider: running.member.name, outcome: 'timeout', latencyMs: now - running.startedAt });
  }

  #cancelAll(reason: unknown): void {
    for (const cancel of this.#tries) cancel.cancel(reason);
    this.#tries = [];
  }

  #unlisten(): void {
    if (!this.#listening || !this.#onCallerAbort) return;
    this.#listening = false;
    this.#options.signal?.removeEventListener('abort', this.#onCallerAbort);
  }
}
