import { PostgresDialect } from 'kysely';
import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';

/**
 * True when PostgreSQL provably did not run (or rolled back) the statement because its
 * connection was gone: the backend was terminated (`57P01` admin_shutdown: `pg_terminate_backend`,
 * a pooler or failover recycling connections — the running statement is rolled back), or pg
 * refused to send it on a connection it already knew was broken. A connection that merely closed
 * ("Connection terminated unexpectedly") is not included: the statement may have committed.
 */
export function diedBeforeRunning(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57P01') return true;
  return error instanceof Error && error.message.startsWith('Client has encountered a connection error and is not queryable');
}

/**
 * PostgreSQL through Kysely, where a pooled connection that was terminated under a statement
 * costs the statement one retry on a fresh connection instead of failing the request. Only the
 * first statement of an acquired connection (Kysely acquires one per query outside transactions,
 * and `begin` is a transaction's first) is retried: later ones may depend on session or
 * transaction state the dead connection took with it.
 */
export class ReconnectingPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new ReconnectingDriver(super.createDriver());
  }
}

const MAX_RETRIES = 2;

/**
 * Gives a dead connection back so that the pool destroys it. Kysely's PostgreSQL driver discards
 * (releases with an error, which makes pg-pool end the client) a connection whose rollback
 * failed; on a dead connection the rollback fails for certain — at once when pg already knows,
 * else when the socket's end arrives, which is also the moment the connection is truly gone.
 */
async function discard(driver: Driver, connection: DatabaseConnection): Promise<void> {
  await driver.rollbackTransaction(connection).catch(() => undefined);
  await driver.releaseConnection(connection).catch(() => undefined);
}

class ReconnectingConnection implements DatabaseConnection {
  inner: DatabaseConnection;
  /** Whether a statement already ran on this acquired connection (then no retry). */
  used = false;
  /** True between giving a dead connection back and getting a new one (a failed acquire leaves it so). */
  released = false;
  readonly #driver: Driver;

  constructor(driver: Driver, inner: DatabaseConnection) {
    this.#driver = driver;
    this.inner = inner;
  }

  /**
   * Runs `step` on the connection; if it is the first and the connection died under it, again on
   * a fresh one (at most twice more). The dead one goes back to the pool first — with a pool of
   * one there is no other — and discarded, so the pool cannot hand it out again: pg reports the
   * server's 57P01 before it has read the socket's end, and until then the client still counts as
   * queryable; a client given back in that window was handed out again and the retried statement
   * failed with "Connection terminated unexpectedly" (an intermittent failure in CI).
   */
  async first<T>(step: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    const retryable = !this.used;
    this.used = true;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step(this.inner);
      } catch (error) {
        if (!retryable || attempt > MAX_RETRIES || !diedBeforeRunning(error)) throw error;
        this.released = true;
        await discard(this.#driver, this.inner);
        this.inner = await this.#driver.acquireConnection();
        this.released = false;
      }
    }
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.first((connection) => connection.executeQuery<R>(query));
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    this.used = true;
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ReconnectingDriver implements Driver {
  readonly #base: Driver;

  constructor(base: Driver) {
    this.#base = base;
  }

  init(): Promise<void> {
    return this.#base.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReconnectingConnection(this.#base, await this.#base.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return (connection as ReconnectingConnection).first((inner) => this.#base.beginTransaction(inner, settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#base.commitTransaction((connection as ReconnectingConnection).inner);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#base.rollbackTransaction((connection as ReconnectingConnection).inner);
  }

  async savepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.#base.savepoint?.((connection as ReconnectingConnection).inner, savepointName, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.#base.rollbackToSavepoint?.((connection as ReconnectingConnection).inner, savepointName, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.#base.releaseSavepoint?.((connection as ReconnectingConnection).inner, savepointName, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const reconnecting = connection as ReconnectingConnection;
    if (!reconnecting.released) await this.#base.releaseConnection(reconnecting.inner);
  }

  destroy(): Promise<void> {
    return this.#base.destroy();
  }
}
