/**
 * A pooled PostgreSQL connection terminated under a statement (`pg_terminate_backend`, as a
 * pooler, failover or an operator does) must not fail the request when the statement provably did
 * not run: the storage retries it once on a fresh connection. Found by the chaos suite
 * (test/chaos): terminating the database's connections every 300 ms failed 13–37 % of uncached
 * research calls with 503 while PostgreSQL itself was up. Real PostgreSQL, pool of one connection.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseSchema } from '../../src/infrastructure/storage/database-schema.js';
import { openPostgres } from '../../src/infrastructure/storage/postgres/open-postgres.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `terminated_${process.pid}_${randomBytes(3).toString('hex')}`;
let db: Kysely<DatabaseSchema>;
let admin: pg.Client;

beforeAll(async () => {
  db = await openPostgres({ databaseUrl: URL, schema, poolSize: 1 });
  admin = new pg.Client({ connectionString: URL });
  await admin.connect();
});

afterAll(async () => {
  await db?.destroy();
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin?.end();
});

const backendPid = async (executor: Kysely<DatabaseSchema> = db): Promise<number> =>
  (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(executor)).rows[0]!.pid;

/** Terminates backend `pid` once it runs `pg_sleep` (so the statement is in flight). */
async function terminateWhenSleeping(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { rows } = await admin.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rows[0]?.query.includes('pg_sleep')) {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`backend ${pid} never ran the statement`);
}

describe('PostgreSQL connection terminated under a statement', () => {
  it('a single statement is retried once on a fresh connection and answers', async () => {
    const pid = await backendPid();
    const [result] = await Promise.all([sql<{ one: number }>`SELECT 1 AS one, pg_sleep(0.3)`.execute(db), terminateWhenSleeping(pid)]);
    expect(result.rows[0]!.one).toBe(1);
    expect(await backendPid()).not.toBe(pid);
  });

  it('a transaction is retried only at its begin: a statement inside it fails rather than run without its transaction', async () => {
    await expect(
      db.transaction().execute(async (transaction) => {
        const pid = await backendPid(transaction);
        await Promise.all([sql`SELECT pg_sleep(0.3)`.execute(transaction), terminateWhenSleeping(pid)]);
      }),
    ).rejects.toThrow(/administrator command|Connection terminated/);
    // The pool recovers: the next statement gets a working connection.
    expect(typeof (await backendPid())).toBe('number');
  });
});
