import { describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResult, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import type { CancelSignal } from '../cancel-signal.js';
import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { chatRequest } from '../../../test/support/fake-provider.js';
import type { CallOptions, Provider, ProviderTiming } from '../provider.js';
import { createCallTrace } from '../provider.js';
import { withRetry } from '../retry/with-retry.js';
import { DueTimers } from './due-timers.js';
import { openStream } from './fallback-provider.js';
import { createProviderTiming, HEDGE_FLOOR_MS, UNPROVEN_LOSSES_FORGIVEN } from './provider-timing.js';
import { HedgeCancelled, Race } from './race.js';
import type { RaceAttempt } from './race.js';

/**
 * A provider that answers after `answerAfterMs` on the manual clock (never, when undefined), or
 * fails with a read timeout after `readTimeoutMs`; it honours its call's signal like the transport.
 */
function timedProvider(name: string, clock: ManualClock, behaviour: { answerAfterMs?: number; readTimeoutMs?: number; timing?: ProviderTiming }) {
  const signals: CancelSignal[] = [];
  const wait = (options: CallOptions | undefined) =>
    new Promise<void>((resolve, reject) => {
      const signal = options?.signal;
      if (signal) signals.push(signal);
      const cancels: (() => void)[] = [];
      const onAbort = () => {
        for (const cancel of cancels) cancel();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (outcome: () => void) => () => {
        signal?.removeEventListener('abort', onAbort);
        for (const cancel of cancels) cancel();
        outcome();
      };
      if (behaviour.answerAfterMs !== undefined) cancels.push(clock.setTimer(behaviour.answerAfterMs, done(resolve)));
      if (behaviour.readTimeoutMs !== undefined) {
        const timeout = new ProviderError(`${name}: read timeout`, { provider: name, errorClass: 'timeout', details: { reason: 'body_timeout' } });
        cancels.push(clock.setTimer(behaviour.readTimeoutMs, done(() => reject(timeout))));
      }
    });
  const result = (request: ChatRequest): ChatResult => ({ id: name, model: request.model, text: `answer from ${name}`, finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } });
  const provider: Provider & { signals: CancelSignal[]; calls: number } = {
    name,
    kind: 'openai_compatible',
    capabilities: { streaming: true, embeddings: false },
    simulated: true,
    timing: behaviour.timing,
    signals,
    calls: 0,
    async chat(request, options) {
      provider.calls += 1;
      await wait(options);
      return result(request);
    },
    async *stream(request, options): AsyncGenerator<StreamPart> {
      provider.calls += 1;
      await wait(options);
      yield { type: 'text', text: `${name}:a` };
      yield { type: 'finish', id: name, model: request.model, finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
    },
    close: () => Promise.resolve(),
  };
  return provider;
}

const fixed = (hedgeAfterMs: number, deadlineMs = 30_000) => createProviderTiming({ deadlineMs, hedgeAfterMs });
const chat = (provider: Provider, attempt: RaceAttempt) => provider.chat(chatRequest, { signal: attempt, trace: attempt });

describe('Race', () => {
  it('starts the next provider when a try outlives its hedge delay, takes the first answer and cancels the loser', async () => {
    const clock = createManualClock();
    const timers = new DueTimers(clock);
    const hung = timedProvider('hung', clock, { timing: fixed(300) });
    const healthy = timedProvider('healthy', clock, { answerAfterMs: 10, timing: fixed(300) });
    const trace = createCallTrace();
    const settled = new Race('chain', [hung, healthy], 'chat', chat, { clock, timers, trace }).run();
    await clock.advance(299);
    expect(healthy.calls).toBe(0);
    await clock.advance(1);
    expect(healthy.calls).toBe(1);
    expect(hung.signals[0]?.aborted).toBe(false); // a hedge, not a cancellation: the first try may still win
    await clock.advance(10);
    const win = await settled;
    expect(win.provider.name).toBe('healthy');
    expect(win.value.text).toBe('answer from healthy');
    expect(hung.signals[0]?.aborted).toBe(true);
    expect(hung.signals[0]?.reason).toMatchObject({ errorClass: 'timeout', details: { reason: 'hedged' } });
    expect(trace.attempts).toEqual([{ provider: 'hung', outcome: 'timeout', latencyMs: 310 }]);
    expect(trace.provider).toBe('healthy');
    await clock.advance(30_000); // the shared timers fire once more, find nothing due and stay idle
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lets a slow first try win over its hedge, cancelling the hedge', async () => {
    const clock = createManualClock();
    const slow = timedProvider('slow', clock, { answerAfterMs: 400, timing: fixed(300) });
    const hedge = timedProvider('hedge', clock, { timing: fixed(300) });
    const settled = new Race('chain', [slow, hedge], 'chat', chat, { clock, timers: new DueTimers(clock) }).run();
    await clock.advance(400);
    expect((await settled).provider.name).toBe('slow');
    expect(hedge.signals[0]?.aborted).toBe(true);
  });

  it('holds nothing against a hedge that started late and lost: cancelled, not a timeout', async () => {
    const clock = createManualClock();
    const slow = timedProvider('slow', clock, { answerAfterMs: 400, timing: fixed(300) });
    const hedge = timedProvider('hedge', clock, { timing: fixed(300) });
    const trace = createCallTrace();
    const settled = new Race('chain', [slow, hedge], 'chat', chat, { clock, timers: new DueTimers(clock), trace }).run();
    await clock.advance(400);
    expect((await settled).provider.name).toBe('slow');
    // The hedge ran 100 ms of its own 300 ms delay: it was not slow, it started late.
    expect(hedge.signals[0]?.reason).toBeInstanceOf(HedgeCancelled);
    expect(hedge.signals[0]?.reason).not.toBeInstanceOf(ProviderError);
    expect(trace.attempts).toEqual([]);
  });

  it('counts a lost try of a provider with no latency history only once it keeps losing without answering (hung)', async () => {
    const clock = createManualClock();
    const timers = new DueTimers(clock);
    const auto = () => createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 'auto' });
    const unproven = timedProvider('unproven', clock, { timing: auto() });
    const healthy = timedProvider('healthy', clock, { answerAfterMs: 50, timing: auto() });
    const outcomes: string[] = [];
    for (let call = 0; call <= UNPROVEN_LOSSES_FORGIVEN; call++) {
      const trace = createCallTrace();
      const settled = new Race('chain', [unproven, healthy], 'chat', chat, { clock, timers, trace }).run();
      await clock.advance(HEDGE_FLOOR_MS + 50);
      expect((await settled).provider.name).toBe('healthy');
      outcomes.push(trace.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`).join(',') || 'cancelled');
    }
    // Two losses forgiven (a provider whose LLM normally takes seconds looks the same after 250 ms), the third counted.
    expect(outcomes).toEqual(['cancelled', 'cancelled', 'unproven:timeout']);
    expect(unproven.signals.map((signal) => signal.reason instanceof ProviderError)).toEqual([false, false, true]);
  });

  it('with hedge: false, waits for a slow first try and falls back only when it fails', async () => {
    const clock = createManualClock();
    const timers = new DueTimers(clock);
    const slow = timedProvider('slow', clock, { answerAfterMs: 2_000, timing: fixed(300) });
    const other = timedProvider('other', clock, { answerAfterMs: 10, timing: fixed(300) });
    const settled = new Race('chain', [slow, other], 'chat', chat, { clock, timers, hedge: false }).run();
    await clock.advance(1_999);
    expect(other.calls).toBe(0);
    await clock.advance(1);
    expect((await settled).provider.name).toBe('slow');
    const failing = timedProvider('failing', clock, { readTimeoutMs: 500, timing: fixed(300) });
    const fallback = new Race('chain', [failing, other], 'chat', chat, { clock, timers, hedge: false }).run();
    await clock.advance(510);
    expect((await fallback).provider.name).toBe('other');
  });

  it('creates no timer of its own and leaves none behind for a call answered in time', async () => {
    const clock = createManualClock();
    const timers = new DueTimers(clock);
    const fast = timedProvider('fast', clock, { answerAfterMs: 5, timing: fixed(300) });
    const spare = timedProvider('spare', clock, { timing: fixed(300) });
    const calls = Array.from({ length: 50 }, () => new Race('chain', [fast, spare], 'chat', chat, { clock, timers }).run());
    // One timer per distinct delay (hedge 300 ms, deadline 30 s) plus the providers' own answers.
    expect(clock.pendingTimers()).toBe(2 + 50);
    await clock.advance(5);
    await Promise.all(calls);
    expect(clock.pendingTimers()).toBe(2); // still only the two shared ones, armed until they fire
    await clock.advance(30_000);
    expect(clock.pendingTimers()).toBe(0);
    expect(spare.calls).toBe(0);
  });

  it('bounds every try and retry by the first provider deadline (a hung provider once cost ~105 s)', async () => {
    const clock = createManualClock();
    // The seed's shape: 25 s read timeout per try, 3 retries 1 s apart, no other provider.
    const hung = timedProvider('hung', clock, { readTimeoutMs: 25_000, timing: fixed(300, 30_000) });
    const stacked = { ...withRetry({ maxRetries: 3, retryDelayMs: 1_000, exponentialBackoff: false }, { clock })(hung), timing: hung.timing };
    const settled = new Race('chain', [stacked], 'chat', chat, { clock, timers: new DueTimers(clock) }).run().catch((error: unknown) => error);
    await clock.advance(29_999);
    expect(hung.calls).toBe(2); // 25 s try, 1 s wait, a second try
    await clock.advance(1);
    const error = await settled;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'timeout', errorClass: 'timeout', details: { reason: 'deadline' } });
    expect((error as Error).message).toMatch(/within the 30 s deadline/);
    expect(hung.signals[1]?.aborted).toBe(true);
    await clock.advance(60_000);
    expect(hung.calls).toBe(2); // no retry after the deadline
  });

  it('falls back at once on an availability failure and reports every failure when all fail', async () => {
    const clock = createManualClock();
    const refused = timedProvider('refused', clock, { readTimeoutMs: 0, timing: fixed(300) });
    const broken = timedProvider('broken', clock, { readTimeoutMs: 0, timing: fixed(300) });
    const trace = createCallTrace();
    const settled = new Race('chain', [refused, broken], 'chat', chat, { clock, timers: new DueTimers(clock), trace }).run().catch((error: unknown) => error);
    await clock.advance(0);
    expect(await settled).toMatchObject({ code: 'provider_unavailable', details: { providers: ['refused', 'broken'] } });
  });

  it('propagates the caller abort to every running try', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const hung = timedProvider('hung', clock, { timing: fixed(100) });
    const also = timedProvider('also', clock, { timing: fixed(100) });
    const settled = new Race('chain', [hung, also], 'chat', chat, { clock, timers: new DueTimers(clock), signal: controller.signal }).run().catch((error: unknown) => error);
    await clock.advance(100);
    controller.abort(new Error('client went away'));
    expect(await settled).toMatchObject({ message: 'client went away' });
    expect(hung.signals[0]?.aborted && also.signals[0]?.aborted).toBe(true);
    await clock.advance(30_000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('hedges opening a stream and closes nothing the winner still needs', async () => {
    const clock = createManualClock();
    const hung = timedProvider('hung', clock, { timing: fixed(200) });
    const healthy = timedProvider('healthy', clock, { answerAfterMs: 0, timing: fixed(200) });
    const opening = openStream('chain', [hung, healthy], chatRequest, {}, { clock, timers: new DueTimers(clock) });
    await clock.advance(200);
    const { win, race } = await opening;
    expect(win.provider.name).toBe('healthy');
    expect(win.value.first.value).toEqual({ type: 'text', text: 'healthy:a' });
    expect(hung.signals[0]?.aborted).toBe(true);
    expect((await win.value.iterator.next()).value).toMatchObject({ type: 'finish' });
    race.release();
  });
});

describe('createProviderTiming', () => {
  it('hedges after 250 ms before it has history, then after the p99 of successes, never below 250 ms', () => {
    const timing = createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 'auto' });
    for (let index = 0; index < 9; index++) timing.observe(2_000);
    expect(timing.hedgeAfterMs()).toBe(HEDGE_FLOOR_MS); // nine answers are no history yet
    timing.observe(2_000);
    expect(timing.hedgeAfterMs()).toBe(2_000);
    for (let index = 0; index < 128; index++) timing.observe(20);
    expect(timing.hedgeAfterMs()).toBe(HEDGE_FLOOR_MS);
    for (let index = 0; index < 128; index++) timing.observe(index < 120 ? 1_000 : 3_000);
    expect(timing.hedgeAfterMs()).toBe(3_000);
    for (let index = 0; index < 128; index++) timing.observe(800);
    expect(timing.hedgeAfterMs()).toBe(800);
  });

  it('caps the delay at 8× the median, so one cold-start outlier among few answers does not set it', () => {
    const timing = createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 'auto' });
    timing.observe(900); // a fresh process's first call
    for (let index = 0; index < 9; index++) timing.observe(5);
    expect(timing.hedgeAfterMs()).toBe(HEDGE_FLOOR_MS); // capped at 8 × 5 ms, so the floor (before: 900 ms)
    const slow = createProviderTiming({ deadlineMs: 60_000, hedgeAfterMs: 'auto' });
    slow.observe(12_000);
    for (let index = 0; index < 9; index++) slow.observe(1_000);
    expect(slow.hedgeAfterMs()).toBe(8_000); // capped at 8 × the 1 s median, not the 12 s outlier
  });

  it("judges a lost try by the provider's own delay, and without history forgives losses until it stops answering", () => {
    const proven = createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 'auto' });
    for (let index = 0; index < 10; index++) proven.observe(1_000);
    expect(proven.hedgeLost(999)).toBe(false); // started as a hedge, cancelled before its own delay
    expect(proven.hedgeLost(1_000)).toBe(true);
    const configured = createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 500 });
    expect(configured.hedgeLost(600)).toBe(true); // a configured delay is evidence enough
    const fresh = createProviderTiming({ deadlineMs: 30_000, hedgeAfterMs: 'auto' });
    expect(fresh.hedgeLost(HEDGE_FLOOR_MS - 1)).toBe(false);
    const losses = () => Array.from({ length: UNPROVEN_LOSSES_FORGIVEN + 1 }, () => fresh.hedgeLost(2_000));
    expect(losses()).toEqual([false, false, true]);
    fresh.observe(1_800); // it answered: the count starts again
    expect(losses()).toEqual([false, false, true]);
  });

  it('uses a configured hedge delay as it is', () => {
    const timing = createProviderTiming({ deadlineMs: 10_000, hedgeAfterMs: 1_200 });
    timing.observe(5);
    expect(timing.hedgeAfterMs()).toBe(1_200);
    expect(timing.deadlineMs).toBe(10_000);
  });
});
