import { describe, expect, it } from 'vitest';
import { threadsBeforePool } from './background-threads.js';

describe('threadsBeforePool', () => {
  // main 100, node/V8 threads 101–106, libuv's pool 107–110, a thread started later 111.
  const threads = [111, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110];

  it('with every pool thread seen: the threads below the pool, not the main thread', () => {
    expect(threadsBeforePool(threads, new Set([107, 108, 109, 110]), 4, 100)).toEqual([101, 102, 103, 104, 105, 106]);
  });

  it('with the lowest pool thread unseen: never lowers it (as many threads below the lowest seen are left out)', () => {
    expect(threadsBeforePool(threads, new Set([108, 109, 110]), 4, 100)).toEqual([101, 102, 103, 104, 105, 106]);
    expect(threadsBeforePool(threads, new Set([109, 110]), 4, 100)).toEqual([101, 102, 103, 104, 105, 106]);
  });

  it('with the highest pool thread unseen: a V8 thread is left at its priority, never a pool thread lowered', () => {
    expect(threadsBeforePool(threads, new Set([107, 108, 109]), 4, 100)).toEqual([101, 102, 103, 104, 105]);
  });

  it('with no pool thread seen, or one not among the threads: nothing', () => {
    expect(threadsBeforePool(threads, new Set(), 4, 100)).toEqual([]);
    expect(threadsBeforePool(threads, new Set([999]), 4, 100)).toEqual([]);
  });
});
