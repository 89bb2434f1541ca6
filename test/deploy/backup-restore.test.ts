import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage } from '../../src/infrastructure/storage/storage.js';
import { REPO_DIR } from './manifest-files.js';

/**
 * The backup and restore commands of docs/operations.md, run for real: a PostgreSQL dump
 * restored into a fresh database, and SQLite's online backup, each read back by Fortitude.
 */

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLOCK = Date.UTC(2026, 0, 15, 12);
const tool = (name: string) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'fortitude-backup-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, cwd: REPO_DIR });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

async function seed(storage: Storage): Promise<{ resultId: string; feedbackId: string }> {
  await storage.migrate();
  const stored = await storage.researchResults.insert({
    query: 'How do I back up the reference library?',
    researchType: 'implementation',
    answer: 'pg_dump for PostgreSQL, the online backup API for SQLite.',
    provider: 'openai',
    model: 'gpt-4o-mini',
    slug: 'back-up-the-reference-library',
  });
  const feedback = await storage.feedback.insert({ resultId: stored.id, rating: 5, textFeedback: 'restored fine', timestamp: CLOCK });
  return { resultId: stored.id, feedbackId: String(feedback.id) };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!tool('pg_dump') || !tool('pg_restore'))('PostgreSQL: pg_dump / pg_restore', () => {
  const suffix = randomBytes(5).toString('hex');
  const schema = `deploy_backup_${suffix}`;
  const restoredDatabase = `fortitude_restore_${suffix}`;
  const restoredUrl = DATABASE_URL.replace(/\/[^/]*$/, `/${restoredDatabase}`);
  let seeded: { resultId: string; feedbackId: string };

  beforeAll(async () => {
    const storage = await createDatabase({ databaseUrl: DATABASE_URL, schema, poolSize: 2 }, { now: () => CLOCK });
    try {
      seeded = await seed(storage);
    } finally {
      await storage.close();
    }
    await withClient(DATABASE_URL, (client) => client.query(`CREATE DATABASE "${restoredDatabase}"`));
  });

  afterAll(async () => {
    await withClient(DATABASE_URL, async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(`DROP DATABASE IF EXISTS "${restoredDatabase}" WITH (FORCE)`);
    });
  });

  it('a whole-database dump restores into an empty database that Fortitude reads as is', async () => {
    const file = join(scratch, 'fortitude.dump');
    // docs: pg_dump --format=custom --file=… "$DATABASE_URL" (here limited to this test's schema)
    run('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${file}`, DATABASE_URL]);
    run('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, file]);

    const restored = await createDatabase({ databaseUrl: restoredUrl, schema, poolSize: 2 });
    try {
      expect(await restored.migrate()).toEqual({ applied: [] });
      const result = await restored.researchResults.getBySlug('back-up-the-reference-library');
      expect(result?.id).toBe(seeded.resultId);
      const rows = await withClient(restoredUrl, (client) => client.query(`SELECT id FROM "${schema}".user_feedback`));
      expect(rows.rows.map((row: { id: unknown }) => String(row.id))).toEqual([seeded.feedbackId]);
    } finally {
      await restored.close();
    }
  });

  it('a research-tables dump needs the user_feedback* pattern to carry the partitions’ rows', () => {
    const listing = (tables: string[]) => {
      const file = join(scratch, `tables-${tables.length}.dump`);
      run('pg_dump', ['--format=custom', ...tables.map((table) => `--table=${schema}.${table}`), `--file=${file}`, DATABASE_URL]);
      return run('pg_restore', ['--list', file]);
    };
    const tablesData = (text: string) => [...text.matchAll(/TABLE DATA \S+ (\S+)/g)].map((match) => match[1]!);

    const withPattern = tablesData(listing(['research_results', 'quality_metrics', 'user_feedback*', 'pattern_data', 'learning_data', 'provider_requests']));
    expect(withPattern).toContain('research_results');
    expect(withPattern.filter((table) => table.startsWith('user_feedback_')).length).toBeGreaterThan(0);

    const parentOnly = tablesData(listing(['research_results', 'user_feedback']));
    expect(parentOnly.filter((table) => table.startsWith('user_feedback'))).toEqual([]);
  });
});

describe('SQLite: online backup while the database is open', () => {
  const sqlitePath = join(scratch, 'live', 'fortitude.db');
  let storage: Storage;
  let seeded: { resultId: string; feedbackId: string };

  beforeAll(async () => {
    storage = await createDatabase({ sqlitePath }, { now: () => CLOCK });
    seeded = await seed(storage);
  });

  afterAll(async () => {
    await storage.close();
  });

  async function expectRestorable(path: string): Promise<void> {
    const copy = await createDatabase({ sqlitePath: path });
    try {
      expect(await copy.migrate()).toEqual({ applied: [] });
      expect((await copy.researchResults.getById(seeded.resultId))?.slug).toBe('back-up-the-reference-library');
    } finally {
      await copy.close();
    }
  }

  it('the better-sqlite3 one-liner from the guide (no sqlite3 binary in the image)', async () => {
    const backup = join(scratch, 'backup-api.db');
    const script = `const D = require('better-sqlite3'); new D(process.argv[1], { readonly: true }).backup(process.argv[2]).then(() => console.log('ok'))`;
    expect(run('node', ['-e', script, sqlitePath, backup]).trim()).toBe('ok');
    await expectRestorable(backup);
  });

  it('VACUUM INTO writes a compact, consistent copy', async () => {
    const backup = join(scratch, 'vacuum-into.db');
    const script = `const D = require('better-sqlite3'); new D(process.argv[1]).exec("VACUUM INTO '" + process.argv[2] + "'")`;
    run('node', ['-e', script, sqlitePath, backup]);
    await expectRestorable(backup);
  });
});
