import { CompiledQuery, Kysely } from 'kysely';
import type { DatabaseConnection, LogEvent } from 'kysely';
import pg from 'pg';
import { FortitudeError } from '../../../core/errors.js';
import type { DatabaseSchema } from '../database-schema.js';
import { describeConnectionFailure } from './connection-failure.js';
import { ReconnectingPostgresDialect } from './reconnecting-dialect.js';

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
  /** Kysely's log hook: every statement with its SQL text and duration. */
  log?: (event: LogEvent) => void;
}

/** Bound on opening one connection (pg waits forever by default). */
const CONNECT_TIMEOUT_MS = 10_000; // 10 s
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export async function openPostgres(options: PostgresOptions): Promise<Kysely<DatabaseSchema>> {
  const schema = options.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new FortitudeError('config_invalid', `PostgreSQL schema name "${schema}" is not a plain identifier`);
  }
  // Without a bound, a connection attempt to a host that drops packets waits for the OS (minutes):
  // start-up would hang and, during an outage, requests would wait instead of failing with a 503.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
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
    // A connection terminated under a statement that provably did not run costs one retry, not the request.
    dialect: new ReconnectingPostgresDialect({ pool, ...(quoted === undefined ? {} : { onCreateConnection: setSearchPath }) }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  // One round trip now, so a wrong DATABASE_URL (no such database, refused, bad credentials) is
  // reported at start-up in words naming the fix, not at the first request.
  try {
    await db.executeQuery(CompiledQuery.raw(quoted === undefined ? 'SELECT 1' : `CREATE SCHEMA IF NOT EXISTS ${quoted}`));
  } catch (error) {
    await db.destroy();
    throw new FortitudeError('storage_error', describeConnectionFailure(error, options.databaseUrl), { cause: error, retryable: true });
  }
  return db;
}
