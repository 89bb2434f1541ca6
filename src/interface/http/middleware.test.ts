import { describe, expect, it } from 'vitest';
import type { Exchange } from './exchange.js';
import { compose, type Middleware } from './middleware.js';

const exchange = {} as Exchange;

function recording(name: string, log: string[], options: { stop?: boolean; fail?: boolean; async?: boolean } = {}): Middleware {
  return {
    name,
    handle(current, next) {
      log.push(`${name}:in`);
      if (options.fail) throw new Error(`${name} refused`);
      if (options.stop) return;
      if (!options.async) {
        const result = next(current);
        log.push(`${name}:out`);
        return result;
      }
      return (async () => {
        await Promise.resolve();
        await next(current);
        log.push(`${name}:out`);
      })();
    },
  };
}

describe('compose', () => {
  it('runs the list in order around the terminal handler, unwinding in reverse', async () => {
    const log: string[] = [];
    const chain = compose([recording('a', log, { async: true }), recording('b', log, { async: true }), recording('c', log)], () => {
      log.push('handler');
    });
    await chain(exchange);
    expect(log).toEqual(['a:in', 'b:in', 'c:in', 'handler', 'c:out', 'b:out', 'a:out']);
  });

  it('a middleware that answers itself skips the rest; one that throws reaches the caller', async () => {
    const log: string[] = [];
    await compose([recording('a', log), recording('b', log, { stop: true }), recording('c', log)], () => void log.push('handler'))(exchange);
    expect(log).toEqual(['a:in', 'b:in', 'a:out']);
    const failing = compose([recording('a', [], { async: true }), recording('b', [], { fail: true })], () => undefined);
    await expect(failing(exchange)).rejects.toThrow('b refused');
  });

  it('returns what the handler returned: no promise for an all-synchronous request', () => {
    const chain = compose([recording('a', []), recording('b', [])], () => undefined);
    expect(chain(exchange)).toBeUndefined();
  });
});
