import type { Socket } from 'node:net';
import { Client, Pool } from 'undici';
import type { Dispatcher } from 'undici';

/** The seed's `connection_pool` plus `connect_timeout`, in Fortitude units. */
export interface ConnectionOptions {
  /** `max_connections`: sockets open to the origin at most. */
  maxConnections: number;
  /** `max_idle_connections`: idle keep-alive sockets kept beyond this are closed by a sweep (once idle at two sweeps in a row). */
  maxIdleConnections: number;
  /** `idle_timeout`: an idle keep-alive socket is closed after this many ms. */
  idleTimeoutMs: number;
  /** `keep_alive: false` closes each socket after its response. */
  keepAlive: boolean;
  connectTimeoutMs: number;
  /** Negotiate HTTP/2 through ALPN on https origins (undici cannot do cleartext h2c). */
  allowH2: boolean;
  /** Extra trusted CA certificates (PEM) for self-hosted https endpoints. */
  ca?: string;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  maxConnections: 100,
  maxIdleConnections: 20,
  idleTimeoutMs: 90_000, // 90 s
  keepAlive: true,
  connectTimeoutMs: 5_000, // 5 s
  allowH2: true,
};

export interface OriginStats {
  origin: string;
  /** Open sockets. */
  connected: number;
  /** Open sockets with nothing in flight. */
  idle: number;
  /** Requests being answered. */
  running: number;
  /** Requests waiting for a socket. */
  pending: number;
}

interface TrackedClient {
  client: Client;
  socket?: Socket;
  /** Sweeps in a row that found this socket idle. */
  idleSweeps: number;
}

type Connector = (options: object, callback: (error: Error | null, socket: Socket | null) => void) => void;

/**
 * One undici `Pool` for one origin. undici has no "max idle sockets" knob, so the pool's
 * factory remembers each client's socket and a periodic sweep ends idle sockets above
 * `maxIdleConnections` that were idle at the sweep before too (their client reconnects on its next
 * request).
 */
export class OriginPool {
  readonly origin: string;
  readonly dispatcher: Pool;
  readonly keepAlive: boolean;
  readonly #clients = new Set<TrackedClient>();
  readonly #sweep: NodeJS.Timeout | undefined;
  readonly #maxIdle: number;

  constructor(origin: string, options: ConnectionOptions) {
    this.origin = origin;
    this.keepAlive = options.keepAlive;
    this.#maxIdle = options.maxIdleConnections;
    const clients = this.#clients;
    this.dispatcher = new Pool(origin, {
      connections: options.maxConnections,
      keepAliveTimeout: options.idleTimeoutMs,
      // Server-sent keep-alive hints may shorten, never lengthen, our idle timeout.
      keepAliveMaxTimeout: options.idleTimeoutMs,
      connect: options.ca === undefined ? { timeout: options.connectTimeoutMs } : { timeout: options.connectTimeoutMs, ca: options.ca },
      allowH2: options.allowH2 && origin.startsWith('https:'),
      factory(factoryOrigin: URL, factoryOptions: object): Dispatcher {
        const base = (factoryOptions as { connect: Connector }).connect;
        const tracked: TrackedClient = { client: undefined as unknown as Client, idleSweeps: 0 };
        const connect: Connector = (connectOptions, callback) =>
          base(connectOptions, (error, socket) => {
            if (socket) tracked.socket = socket;
            callback(error, socket);
          });
        tracked.client = new Client(factoryOrigin, { ...factoryOptions, connect } as Client.Options);
        clients.add(tracked);
        return tracked.client;
      },
    });
    if (options.maxIdleConnections < options.maxConnections) {
      this.#sweep = setInterval(() => this.trimIdle(), Math.min(1_000, Math.max(50, options.idleTimeoutMs / 2)));
      this.#sweep.unref();
    }
  }

  /** Closes idle sockets above `maxIdleConnections` (those idle at the previous sweep too); returns how many it closed. */
  trimIdle(): number {
    let idle = 0;
    let closed = 0;
    for (const tracked of this.#clients) {
      const { client, socket } = tracked;
      if (client.closed || client.destroyed) {
        this.#clients.delete(tracked);
        continue;
      }
      const stats = client.stats;
      if (!stats.connected || stats.running > 0 || stats.pending > 0 || !socket || socket.destroyed) {
        tracked.idleSweeps = 0;
        continue;
      }
      idle += 1;
      tracked.idleSweeps += 1;
      // Only a socket idle at the previous sweep too: one caught between two requests of a busy
      // spell would be reconnected at once (under load that was ~2 % of the worker's CPU).
      if (idle > this.#maxIdle && tracked.idleSweeps >= 2) {
        // Synchronous with the stats check above, so no request can slip onto this socket.
        socket.destroy();
        closed += 1;
      }
    }
    return closed;
  }

  stats(): OriginStats {
    const result: OriginStats = { origin: this.origin, connected: 0, idle: 0, running: 0, pending: 0 };
    for (const { client, socket } of this.#clients) {
      if (client.closed || client.destroyed) continue;
      const stats = client.stats;
      const open = Boolean(stats.connected) && socket !== undefined && !socket.destroyed;
      if (open) result.connected += 1;
      if (open && stats.running === 0 && stats.pending === 0) result.idle += 1;
      result.running += stats.running;
      result.pending += stats.pending;
    }
    result.pending += this.dispatcher.stats.queued;
    return result;
  }

  async close(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    await this.dispatcher.close();
    this.#clients.clear();
  }
}
