import { describe, expect, it } from 'vitest';
import { instrumentObject, intercept, type CallTiming } from './intercept.js';

class Writer {
  written: string[] = [];
  add(value: string): number {
    this.written.push(value);
    return this.written.length;
  }
}

describe('intercept and instrumentObject', () => {
  it('times sync, async and failing calls, then puts the originals back', async () => {
    const repository = {
      sync: (value: number) => value * 2,
      async later(value: number) {
        return value + 1;
      },
      async broken(): Promise<never> {
        throw new Error('nope');
      },
    };
    const originals = { ...repository };
    const calls: CallTiming[] = [];
    const undo = instrumentObject(repository, 'repo', (timing) => calls.push(timing));
    expect(repository.sync(2)).toBe(4);
    await expect(repository.later(1)).resolves.toBe(2);
    await expect(repository.broken()).rejects.toThrow('nope');
    expect(calls.map((call) => [call.name, call.ok])).toEqual([
      ['repo.sync', true],
      ['repo.later', true],
      ['repo.broken', false],
    ]);
    expect(calls.every((call) => call.durationMs >= 0)).toBe(true);
    undo();
    expect(repository.sync).toBe(originals.sync);
    expect(repository.later).toBe(originals.later);
    repository.sync(1);
    expect(calls).toHaveLength(3);
  });

  it('shadows a prototype method and removes the shadow on undo, keeping `this`', () => {
    const writer = new Writer();
    const seen: unknown[] = [];
    const undo = intercept(writer, 'add', (original) =>
      function (this: unknown, ...args: unknown[]) {
        seen.push(args[0]);
        return original.apply(this, args);
      },
    );
    expect(writer.add('a')).toBe(1);
    expect(Object.hasOwn(writer, 'add')).toBe(true);
    undo();
    expect(Object.hasOwn(writer, 'add')).toBe(false);
    writer.add('b');
    expect(seen).toEqual(['a']);
    expect(writer.written).toEqual(['a', 'b']);
  });

  it('leaves a method alone when someone replaced it after us', () => {
    const target = { run: () => 'original' };
    const undo = intercept(target, 'run', (original) => () => `wrapped ${String(original())}`);
    const later = () => 'later';
    target.run = later;
    undo();
    expect(target.run).toBe(later);
  });
});
