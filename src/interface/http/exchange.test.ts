import { describe, expect, it } from 'vitest';
import { abortExchange, requestContext, type Exchange } from './exchange.js';

/** The fields `requestContext` and `abortExchange` touch; the rest of an exchange is not needed here. */
function fakeExchange(): Exchange {
  return {
    request: { headers: {} },
    requestId: 'req-1',
    identity: undefined,
    controller: undefined,
    abortListeners: undefined,
    aborted: false,
  } as unknown as Exchange;
}

describe('request context: the plain cancel signal', () => {
  it('fires with the AbortController reason when the exchange is abandoned, like signal, without creating a controller', () => {
    const exchange = fakeExchange();
    const context = requestContext(exchange);
    const cancel = context.cancel!;
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    cancel.addEventListener('abort', () => heard.push('first'));
    cancel.addEventListener('abort', removed);
    cancel.removeEventListener('abort', removed);
    expect(cancel.aborted).toBe(false);
    expect(cancel.reason).toBeUndefined();
    abortExchange(exchange);
    expect(heard).toEqual(['first']);
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBeInstanceOf(DOMException);
    expect((cancel.reason as DOMException).name).toBe('AbortError');
    expect(cancel.reason).toBe(cancel.reason);
    expect(exchange.controller).toBeUndefined();
    // As with an AbortSignal, a listener added once it fired is never called.
    cancel.addEventListener('abort', () => heard.push('late'));
    abortExchange(exchange);
    expect(heard).toEqual(['first']);
    expect(context.signal.aborted).toBe(true);
  });
});

describe('request context: cache directives', () => {
  const withCacheControl = (value: string | undefined): Exchange => ({ ...fakeExchange(), request: { headers: value === undefined ? {} : { 'cache-control': value } } }) as unknown as Exchange;

  it('reads no-store as bypass and no-cache as refresh, case-insensitively, and lets the route override either', () => {
    expect(requestContext(withCacheControl(undefined)).cache).toEqual({ bypass: false, refresh: false });
    expect(requestContext(withCacheControl('No-Store')).cache).toEqual({ bypass: true, refresh: false });
    expect(requestContext(withCacheControl('no-cache')).cache).toEqual({ bypass: false, refresh: true });
    expect(requestContext(withCacheControl('no-cache, no-store')).cache).toEqual({ bypass: true, refresh: true });
    expect(requestContext(withCacheControl('max-age=0')).cache).toEqual({ bypass: false, refresh: false });
    expect(requestContext(withCacheControl('no-store'), { bypass: false }).cache).toEqual({ bypass: false, refresh: false });
    expect(requestContext(withCacheControl(undefined), { refresh: true }).cache).toEqual({ bypass: false, refresh: true });
    expect(requestContext(withCacheControl('no-cache'), { bypass: true, refresh: false }).cache).toEqual({ bypass: true, refresh: false });
  });
});
