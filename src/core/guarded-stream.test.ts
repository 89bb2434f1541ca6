import { describe, expect, it } from 'vitest';
import { guardStream } from './guarded-stream.js';

/** A source that counts how it ended (a `finally` that releases a slot). */
function source(parts: number[], fail?: Error) {
  const state = { released: 0, started: false };
  async function* generate(): AsyncGenerator<number> {
    state.started = true;
    try {
      for (const part of parts) yield part;
      if (fail) throw fail;
    } finally {
      state.released++;
    }
  }
  return { state, iterator: generate() };
}

describe('guardStream', () => {
  it('closing before any next() still closes a source that was already started', async () => {
    const { state, iterator } = source([1, 2, 3]);
    const first = await iterator.next();
    const ends: boolean[] = [];
    const guarded = guardStream(iterator, { first, onEnd: (completed) => void ends.push(completed) });
    await guarded.return();
    expect(state.released).toBe(1);
    expect(ends).toEqual([false]);
  });

  it('closing while the first (pre-read) part is being consumed closes the source', async () => {
    const { state, iterator } = source([1, 2, 3]);
    const first = await iterator.next();
    const seen: number[] = [];
    for await (const part of guardStream(iterator, { first })) {
      seen.push(part);
      break;
    }
    expect(seen).toEqual([1]);
    expect(state.released).toBe(1);
  });

  it('yields the pre-read part then the rest, and reports completion once', async () => {
    const { state, iterator } = source([1, 2, 3]);
    const first = await iterator.next();
    const ends: boolean[] = [];
    const seen: number[] = [];
    const guarded = guardStream(iterator, { first, onPart: (part) => void seen.push(part), onEnd: (completed) => void ends.push(completed) });
    const consumed: number[] = [];
    for await (const part of guarded) consumed.push(part);
    await guarded.return();
    expect(consumed).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(ends).toEqual([true]);
    expect(state.released).toBe(1);
  });

  it('a failing source ends the stream as not completed, and the error reaches the consumer', async () => {
    const { state, iterator } = source([1], new Error('upstream broke'));
    const ends: boolean[] = [];
    const guarded = guardStream(iterator, { onEnd: (completed) => void ends.push(completed) });
    await expect((async () => {
      for await (const part of guarded) void part;
    })()).rejects.toThrow('upstream broke');
    expect(ends).toEqual([false]);
    expect(state.released).toBe(1);
  });

  it('a failing hook closes the source it was reading', async () => {
    const { state, iterator } = source([1, 2, 3]);
    const guarded = guardStream(iterator, {
      onPart: () => {
        throw new Error('hook failed');
      },
    });
    await expect(guarded.next()).rejects.toThrow('hook failed');
    expect(state.released).toBe(1);
    expect(await guarded.next()).toEqual({ done: true, value: undefined });
  });
});
