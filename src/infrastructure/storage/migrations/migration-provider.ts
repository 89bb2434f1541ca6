import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../codec.js';
import { tablesMigration } from './0001-tables.js';
import { indexesMigration } from './0002-indexes.js';
import { fullTextMigration } from './0003-full-text.js';
import { storedResponsesMigration } from './0004-stored-responses.js';
import { researchLookupIndexMigration } from './0005-research-lookup-index.js';

/**
 * Versioned migrations, in code so they ship inside the package. Kysely applies them in name
 * order and records each in `kysely_migration`; never edit a released migration, add the next.
 */
export function createMigrationProvider(dialect: Dialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_tables': tablesMigration(dialect),
    '0002_indexes': indexesMigration(dialect),
    '0003_full_text': fullTextMigration(dialect),
    '0004_stored_responses': storedResponsesMigration(dialect),
    '0005_research_lookup_index': researchLookupIndexMigration(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
