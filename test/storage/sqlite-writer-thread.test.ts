import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../src/infrastructure/storage/batched-writer.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { LearningInput } from '../../src/infrastructure/storage/repositories/learning.js';
import type { ProviderRequestInput } from '../../src/infrastructure/storage/repositories/provider-requests.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';

// `serve`'s SQLite setting: bulk inserts in a writer thread with its own connection. The same rows
// as the caller's-thread path, visible to the serving connection once the call resolves, and the
// same failure semantics (a batch fails whole; the BatchedWriter retries it).
const CLOCK = Date.UTC(2026, 11, 7, 12, 0, 0, 0);
let directory: string;
let threaded: Storage;
let inline: Storage;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'fortitude-writer-thread-'));
  threaded = await createDatabase({ sqlitePath: join(directory, 'threaded.db'), sqliteWriterThread: true }, { now: () => CLOCK });
  inline = await createDatabase({ sqlitePath: join(directory, 'inline.db') }, { now: () => CLOCK });
  await threaded.migrate();
  await inline.migrate();
});

afterAll(async () => {
  await threaded?.close();
  await inline?.close();
  rmSync(directory, { recursive: true, force: true });
});

const request = (index: number, overrides: Partial<ProviderRequestInput> = {}): ProviderRequestInput => ({
  id: `request-row-${index}`,
  createdAt: CLOCK + index,
  provider: index % 2 === 0 ? 'openai' : 'claude',
  model: 'gpt-4o-mini',
  latencyMs: 10 + index / 3,
  inputTokens: index,
  outputTokens: 2 * index,
  costUsd: index / 1_000,
  status: index % 5 === 0 ? 'error' : 'ok',
  errorClass: index % 5 === 0 ? 'server' : null,
  researchType: 'implementation',
  userId: index % 3 === 0 ? null : `user-${index % 3}`,
  requestId: `request-${index}`,
  cached: index % 7 === 0,
  fallbackFrom: index % 4 === 0 ? 'gemini' : null,
  ...overrides,
});

const storedRequests = (storage: Storage, provider?: string) => {
  let query = storage.db.selectFrom('provider_requests').selectAll();
  if (provider !== undefined) query = query.where('provider', '=', provider);
  return query.orderBy('id').execute();
};

describe('SQLite writer thread', () => {
  it('stores exactly the rows the caller-thread path stores, readable on the serving connection once the call resolves', async () => {
    const batch = Array.from({ length: 450 }, (_, index) => request(index));
    expect(await threaded.providerRequests.insertMany(batch)).toBe(450);
    expect(await inline.providerRequests.insertMany(batch)).toBe(450);
    const [fromThread, fromInline] = [await storedRequests(threaded), await storedRequests(inline)];
    expect(fromThread).toHaveLength(450);
    expect(fromThread).toEqual(fromInline);
    const [summary] = await threaded.providerRequests.costSummary({ from: CLOCK, to: CLOCK + 450, groupBy: [] });
    expect(summary?.requests).toBe(450);

    const learning: LearningInput[] = [{ id: 'learned-1', learningType: 'performance_change', subject: 'openai', before: null, after: { meanLatencyMs: 12.5 }, confidenceScore: 0.99, outcome: 'applied', createdAt: CLOCK }];
    expect(await threaded.learning.insertMany(learning)).toBe(1);
    expect(await threaded.learning.listRecent({ learningType: 'performance_change' })).toEqual([
      { id: 'learned-1', learningType: 'performance_change', subject: 'openai', before: null, after: { meanLatencyMs: 12.5 }, confidenceScore: 0.99, outcome: 'applied', createdAt: CLOCK },
    ]);
  });

  it('fails a batch whole with the database error, and a BatchedWriter retries it until it is written once', async () => {
    const duplicate = request(1_000, { provider: 'retried' });
    await threaded.providerRequests.insertMany([duplicate]);
    await expect(threaded.providerRequests.insertMany([request(1_001, { provider: 'retried' }), duplicate])).rejects.toThrow(/UNIQUE constraint failed/);
    expect((await storedRequests(threaded, 'retried')).map((row) => row.id)).toEqual([duplicate.id]);

    const errors: unknown[] = [];
    const writer = new BatchedWriter<ProviderRequestInput>({
      write: async (records) => void (await threaded.providerRequests.insertMany(records)),
      batchSize: 3,
      flushIntervalMs: 60_000,
      onError: (error) => errors.push(error),
    });
    await sql`ALTER TABLE provider_requests RENAME TO provider_requests_away`.execute(threaded.db);
    try {
      for (let index = 1_010; index < 1_017; index++) writer.add(request(index, { provider: 'retried' }));
      await writer.flush(true).catch(() => undefined);
      expect(errors.length).toBeGreaterThan(0);
      expect(String(errors[0])).toMatch(/no such table/);
      expect(writer.stats().buffered).toBe(7);
    } finally {
      await sql`ALTER TABLE provider_requests_away RENAME TO provider_requests`.execute(threaded.db);
    }
    await writer.close();
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 7, dropped: 0 });
    const ids = (await storedRequests(threaded, 'retried')).map((row) => row.id);
    expect(ids).toEqual([duplicate.id, ...Array.from({ length: 7 }, (_, offset) => `request-row-${1_010 + offset}`)]);
  });
});

describe('SQLite writer thread that dies', () => {
  it('fails the batch in flight when the thread runs out of memory, and the next batch starts a new thread', async () => {
    const { createRowWriterThread } = await import('../../src/infrastructure/storage/sqlite/row-writer-thread.js');
    const path = join(directory, 'dying.db');
    const setup = await createDatabase({ sqlitePath: path });
    await sql`CREATE TABLE notes (body TEXT)`.execute(setup.db);
    const thread = createRowWriterThread({ path, busyTimeoutMs: 5_000 });
    const insert = 'insert into "notes" ("body") values (?)';
    try {
      await thread.insert(insert, [['before']]);
      // 48 MB of distinct strings: more than the thread's 32 MB old generation holds, so V8 ends it.
      const huge = Array.from({ length: 48 }, (_, index) => [`${index}`.padEnd(1_000_000, 'x')]);
      await expect(thread.insert(insert, huge)).rejects.toThrow();
      await thread.insert(insert, [['after']]);
      const rows = await sql<{ body: string }>`SELECT body FROM notes WHERE length(body) < 100 ORDER BY rowid`.execute(setup.db);
      expect(rows.rows.map((row) => row.body)).toEqual(['before', 'after']);
      // The dead thread's batch was rolled back whole: none of its rows is stored.
      expect((await sql<{ n: number }>`SELECT count(*) AS n FROM notes`.execute(setup.db)).rows[0]!.n).toBe(2);
    } finally {
      thread.close();
      await setup.close();
    }
  }, 60_000);
});
