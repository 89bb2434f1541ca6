import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.js';

describe('withStatementCache', () => {
  const opened: Database.Database[] = [];
  const open = () => {
    const database = new Database(':memory:');
    opened.push(database);
    return database;
  };
  afterEach(() => {
    for (const database of opened.splice(0)) if (database.open) database.close();
  });

  it('prepares each SQL text once and keeps at most the limit, dropping the oldest', () => {
    const cached = withStatementCache(open(), 2);
    const first = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(first);
    cached.prepare('select 2 as two');
    cached.prepare('select 3 as three'); // drops `select 1`
    expect(cached.prepare('select 3 as three')).toBe(cached.prepare('select 3 as three'));
    expect(cached.prepare('select 1 as one')).not.toBe(first);
  });

  it('answers Kysely queries through reused statements, readers and writers, and after a schema change', async () => {
    const database = open();
    const db = new Kysely<{ items: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    await sql`create table items (id integer primary key, name text not null)`.execute(db);
    for (let id = 1; id <= 3; id++) await db.insertInto('items').values({ id, name: `item ${id}` }).execute();
    const byId = (id: number) => db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
    expect(await byId(2)).toEqual({ id: 2, name: 'item 2' });
    expect(await byId(3)).toEqual({ id: 3, name: 'item 3' });
    await sql`alter table items add column size integer not null default 7`.execute(db);
    expect(await byId(1)).toEqual({ id: 1, name: 'item 1', size: 7 });
    await db.destroy();
    expect(database.open).toBe(false);
  });
});
