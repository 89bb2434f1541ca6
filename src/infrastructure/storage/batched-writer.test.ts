import { describe, expect, it } from 'vitest';
import { BatchedWriter } from './batched-writer.js';

describe('BatchedWriter', () => {
  it('writes in batches off the caller path and in order', async () => {
    const writes: number[][] = [];
    const writer = new BatchedWriter<number>({ write: async (records) => void writes.push(records), batchSize: 3, flushIntervalMs: 10_000 });
    for (let index = 0; index < 7; index++) writer.add(index);
    await writer.close();
    expect(writes.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(writes.every((batch) => batch.length <= 3)).toBe(true);
    expect(writer.stats()).toMatchObject({ written: 7, dropped: 0, buffered: 0 });
  });

  it('lets the event loop run between two batches of one flush (a synchronous store holds it one batch at a time)', async () => {
    const events: string[] = [];
    // A synchronous write, as SQLite's: nothing else runs while it does.
    const writer = new BatchedWriter<number>({ write: (records) => (events.push(`write ${records.join(',')}`), Promise.resolve()), batchSize: 2, flushIntervalMs: 10_000 });
    for (let index = 0; index < 6; index++) writer.add(index); // the first full batch starts a flush; 4 records wait behind it
    setImmediate(() => events.push('other work')); // e.g. a request arriving meanwhile
    await writer.close();
    expect(events).toEqual(['write 0,1', 'other work', 'write 2,3', 'write 4,5']);
  });

  it('leaves records that arrive during a write for the next flush unless they fill a batch (no commit per record under steady load)', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const writer = new BatchedWriter<number>({
      write: (records) => {
        writes.push(records);
        return new Promise<void>((resolve) => (release = resolve));
      },
      batchSize: 4,
      flushIntervalMs: 10_000,
    });
    writer.add(0);
    writer.add(1);
    const first = writer.flush();
    writer.add(2); // arrives while [0, 1] is being written
    release();
    await first;
    expect(writes).toEqual([[0, 1]]);
    expect(writer.stats()).toMatchObject({ written: 2, buffered: 1 });

    const second = writer.flush();
    for (let index = 3; index < 9; index++) writer.add(index); // a backlog: [3..6] fills a batch, 7 and 8 do not
    release();
    while (writes.length < 3) await new Promise((resolve) => setImmediate(resolve)); // the writer yields between the batches of a backlog
    release();
    await second;
    expect(writes).toEqual([[0, 1], [2], [3, 4, 5, 6]]);
    expect(writer.stats()).toMatchObject({ written: 7, buffered: 2 });

    const closing = writer.close(); // close writes everything left
    release();
    await closing;
    expect(writes.at(-1)).toEqual([7, 8]);
    expect(writer.stats()).toMatchObject({ written: 9, buffered: 0 });
  });

  it('keeps records through a failing database and writes them when it returns', async () => {
    let down = true;
    const written: number[] = [];
    const errors: number[] = [];
    const writer = new BatchedWriter<number>({
      write: async (records) => {
        if (down) throw new Error('connection refused');
        written.push(...records);
      },
      batchSize: 2,
      flushIntervalMs: 10_000,
      onError: (_error, pending) => errors.push(pending),
    });
    writer.add(1);
    writer.add(2);
    writer.add(3);
    await writer.flush(true).catch(() => undefined);
    expect(written).toEqual([]);
    expect(writer.stats().buffered).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
    down = false;
    await writer.flush(true);
    expect(written).toEqual([1, 2, 3]);
    await writer.close();
  });

  it('bounds the buffer during an outage, dropping the oldest and counting them', async () => {
    let down = true;
    const written: number[] = [];
    const writer = new BatchedWriter<number>({
      write: async (records) => {
        if (down) throw new Error('down');
        written.push(...records);
      },
      batchSize: 1000,
      maxBuffered: 5,
      flushIntervalMs: 10_000,
    });
    for (let index = 0; index < 12; index++) writer.add(index);
    expect(writer.stats()).toMatchObject({ buffered: 5, dropped: 7 });
    down = false;
    await writer.flush(true);
    expect(written).toEqual([7, 8, 9, 10, 11]);
    await writer.close();
  });

  it('puts a failed batch back in front of what arrived during its write, still within the bound', async () => {
    let fail: ((error: Error) => void) | undefined;
    const written: number[][] = [];
    let down = true;
    const writer = new BatchedWriter<number>({
      write: (records) => {
        if (!down) {
          written.push(records);
          return Promise.resolve();
        }
        return new Promise<void>((_resolve, reject) => (fail = reject));
      },
      batchSize: 3,
      maxBuffered: 5,
      flushIntervalMs: 10_000,
    });
    for (const record of [1, 2, 3]) writer.add(record); // a full batch: its write starts
    for (const record of [4, 5, 6, 7]) writer.add(record); // arrive while it is written
    expect(writer.stats().buffered).toBe(4);
    fail!(new Error('down'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // 1, 2, 3 went back in front; 7 records exceed the bound of 5, so the two oldest went.
    expect(writer.stats()).toMatchObject({ buffered: 5, dropped: 2, failedWrites: 1 });
    down = false;
    await writer.flush(true);
    expect(written.flat()).toEqual([3, 4, 5, 6, 7]);
    expect(written[0]).toEqual([3, 4, 5]);
    await writer.close();
  });
});
