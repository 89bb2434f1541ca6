import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import type { Storage, StorageDependencies, StorageOptions } from '../../src/infrastructure/storage/storage.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One engine under test: where its database lives, how to open it, how to remove it. */
export interface EngineHarness {
  readonly name: 'sqlite' | 'postgres';
  /** Options that reach this harness's database; pass to a child process to share it. */
  readonly options: StorageOptions;
  open(dependencies?: StorageDependencies, overrides?: Partial<StorageOptions>): Promise<Storage>;
  /** Drops the schema or deletes the temporary directory. */
  destroy(): Promise<void>;
}

export type EngineName = EngineHarness['name'];
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

/** A fresh, empty database: a temp SQLite file, or a PostgreSQL schema `test_storage_<random>`. */
export function createHarness(name: EngineName): EngineHarness {
  if (name === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-storage-'));
    const options: StorageOptions = { sqlitePath: join(directory, 'nested', 'fortitude.db') };
    return {
      name,
      options,
      open: (dependencies, overrides) => createDatabase({ ...options, ...overrides }, dependencies),
      destroy: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
    };
  }
  const schema = `test_storage_${randomBytes(6).toString('hex')}`;
  const options: StorageOptions = { databaseUrl: TEST_DATABASE_URL, schema, poolSize: 5 };
  return {
    name,
    options,
    open: (dependencies, overrides) => createDatabase({ ...options, ...overrides }, dependencies),
    destroy: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
