import { describe, expect, it } from 'vitest';
import { createSingleFlight } from './single-flight.js';

describe('createSingleFlight', () => {
  it('shares one run among concurrent callers of a key, not across keys', async () => {
    const flight = createSingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async (): Promise<number> => {
      runs++;
      await gate;
      return 7;
    };
    const pending = [flight.run('a', work), flight.run('a', work), flight.run('b', work)];
    expect(flight.size).toBe(2);
    release();
    const results = await Promise.all(pending);
    expect(runs).toBe(2);
    expect(results.map((result) => result.shared)).toEqual([false, true, false]);
    expect(flight.size).toBe(0);
  });

  it('gives every waiter the error and forgets it', async () => {
    const flight = createSingleFlight<number>();
    let runs = 0;
    const failing = async (): Promise<number> => {
      runs++;
      await Promise.resolve();
      throw new Error('boom');
    };
    const results = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    expect((await flight.run('k', async () => 1)).value).toBe(1);
  });
});
