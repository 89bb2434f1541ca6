import { join, resolve } from 'node:path';
import { createDatabase } from '../infrastructure/storage/create-database.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { createReferenceLibrary, type ReferenceLibrary } from '../pipeline/library/reference-library.js';
import type { FortitudeConfig } from './config/schema.js';

/** Opens (and migrates) the configured database: SQLite under the data dir, or `DATABASE_URL`. */
export async function openStorage(config: FortitudeConfig, options: { sqliteWriterThread?: boolean } = {}): Promise<Storage> {
  const storage = await createDatabase({
    ...(config.database.url ? { databaseUrl: config.database.url } : { sqlitePath: config.database.sqlite_path ?? join(resolve(config.data_dir), 'fortitude.db') }),
    poolSize: config.database.pool_size,
    ...(options.sqliteWriterThread === true ? { sqliteWriterThread: true, sqliteWriterThreadNice: config.server.runtime.background_thread_nice } : {}),
  });
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

/** The reference library over the database, its Markdown exports under `research.reference_library_dir`. */
export function libraryOver(storage: Storage, config: FortitudeConfig): ReferenceLibrary {
  return createReferenceLibrary(storage, { exportDir: resolve(config.research.reference_library_dir) });
}
