import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type { DatabaseConnection } from 'kysely';
import pg from 'pg';
import { FortitudeError } from '../../../core/errors.js';
import type { DatabaseSchema } from '../database-schema.js';

export interface PostgresOptions {
  databaseUrl: string;
  /** Connections in the pool. */
  poolSize?: number;
  /**
   * Schema every connection uses (its only `search_path` entry), created if missing. Lets tests
   * and tenants share a database without seeing each other's tables.
   */
  schema?: string;
  /** Errors of idle pooled connections (server restart); the pool replaces them on next use. */
  onPoolError?: (error: Error) => void;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export async function openPostgres(options: PostgresOptions): Promise<Kysely<DatabaseSchema>> {
  const schema = options.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new FortitudeError('config_invalid', `PostgreSQL schema name "${schema}" is not a plain identifier`);
  }
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  // Without a listener, an idle client's error (e.g. server restart) would crash the process.
  pool.on('error', options.onPoolError ?? (() => undefined));
  // pg-pool listens only on idle clients: a checked-out client whose connection breaks mid-query
  // (database restart, failover) would emit an unhandled 'error' and crash the process. The
  // query itself is rejected by pg; this listener only keeps the event from going unhandled.
  pool.on('connect', (client) => client.on('error', options.onPoolError ?? (() => undefined)));
  const quoted = schema === undefined ? undefined : `"${schema}"`;
  const setSearchPath = async (connection: DatabaseConnection) => {
    await connection.executeQuery(CompiledQuery.raw(`SET search_path TO ${quoted}`));
  };
  const db = new Kysely<DatabaseSchema>({
    dialect: new PostgresDialect({ pool, ...(quoted === undefined ? {} : { onCreateConnection: setSearchPath }) }),
  });
  if (quoted !== undefined) {
    try {
      await db.executeQuery(CompiledQuery.raw(`CREATE SCHEMA IF NOT EXISTS ${quoted}`));
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  return db;
}
