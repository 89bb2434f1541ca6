import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { FortitudeError, isFortitudeError, type ErrorCode } from '../../core/errors.js';
import { createHostAllowList, defaultAllowedHosts, type HostAllowList } from '../http/host-allow-list.js';
import { createMcpServer, type McpServerOptions } from './create-mcp-server.js';
import { SILENT_MCP_LOGGER, type McpCaller, type McpServices } from './mcp-services.js';

/**
 * MCP over streamable HTTP, stateless: every POST gets a fresh server and transport and carries
 * one JSON-RPC exchange (answered as JSON or a short SSE stream with progress). The SDK
 * recommends this mode for request/response servers, and it needs no session affinity, so it
 * works unchanged behind `--workers N` or a load balancer. GET (standalone server-to-client
 * stream) and DELETE (end session) have no meaning without sessions: 405.
 */

export interface McpHttpOptions extends McpServerOptions {
  /**
   * `Host` values accepted, port included (`name:port`, IPv6 in brackets; `*` any), against DNS
   * rebinding; config `server.allowed_hosts`. Undefined accepts any Host (`runMcpHttp` derives
   * them from its listen address).
   */
  allowedHosts?: readonly string[];
  /** `Origin` values accepted besides the endpoint's own; config `server.allowed_origins`. */
  allowedOrigins?: readonly string[];
  /**
   * Who is calling; undefined answers 401. May throw FortitudeError `unauthorized` (401),
   * `forbidden` (403), `rate_limited` (429, with `details.retryAfterMs` → Retry-After) or
   * `storage_error` (503: the key store is unreachable, as during a database outage).
   * Absent: no authentication.
   */
  authenticate?: (request: IncomingMessage) => McpCaller | undefined | Promise<McpCaller | undefined>;
  /** Largest POST body the transport reads, in bytes (default 1 MiB); larger gets 413. */
  maxBodyBytes?: number;
  /** Answer with plain JSON instead of an SSE stream (no progress notifications). Default false. */
  jsonResponse?: boolean;
}

/** Mount at any path of a node:http server; pass `parsedBody` if the server already read it. */
export type McpHttpHandler = (request: IncomingMessage, response: ServerResponse, parsedBody?: unknown) => Promise<void>;

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024; // 1 MiB

export function createMcpHttpHandler(services: McpServices, options: McpHttpOptions): McpHttpHandler {
  const logger = options.logger ?? SILENT_MCP_LOGGER;
  const maxRequestBodySize = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const allowList: HostAllowList | undefined =
    options.allowedHosts === undefined ? undefined : createHostAllowList({ allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins ?? [] });

  return async (request, response, parsedBody) => {
    try {
      if (request.method !== 'POST') {
        sendRpcError(response, 405, `Method ${request.method ?? ''} not allowed: this stateless MCP endpoint takes POST only.`, { allow: 'POST' });
        return;
      }
      const refusal = allowList?.check(request.headers.host, request.headers.origin);
      if (refusal !== undefined) {
        sendRpcError(response, 403, `Forbidden: ${refusal.message}`);
        return;
      }
      let authInfo: AuthInfo | undefined;
      if (options.authenticate !== undefined) {
        const caller = await authenticateOrRefuse(options.authenticate, request, response);
        if (caller === null) return;
        if (caller === undefined) {
          sendRpcError(response, 401, 'Unauthorized: send a Fortitude API key as "Authorization: Bearer <key>".', { 'www-authenticate': 'Bearer' });
          return;
        }
        // The token itself stays out: tools only need who is calling.
        authInfo = { token: '', clientId: caller.user, scopes: [...(caller.scopes ?? [])] };
      }

      const server = createMcpServer(services, options);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: options.jsonResponse ?? false,
        maxRequestBodySize,
      });
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(authInfo === undefined ? request : Object.assign(request, { auth: authInfo }), response, parsedBody);
    } catch (error) {
      logger.error({ err: error }, 'mcp http request failed');
      if (!response.headersSent) sendRpcError(response, 500, 'Internal server error');
      else response.destroy();
    }
  };
}

const AUTH_REFUSAL_STATUS: Partial<Record<ErrorCode, number>> = { unauthorized: 401, forbidden: 403, rate_limited: 429, storage_error: 503 };

/** Runs `authenticate`; answers its FortitudeError refusals itself and then returns null. */
async function authenticateOrRefuse(
  authenticate: NonNullable<McpHttpOptions['authenticate']>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<McpCaller | undefined | null> {
  try {
    return await authenticate(request);
  } catch (error) {
    if (!isFortitudeError(error)) throw error;
    const status = AUTH_REFUSAL_STATUS[error.code];
    if (status === undefined) throw error;
    const retryAfterMs = error.details?.retryAfterMs;
    const headers: Record<string, string> = typeof retryAfterMs === 'number' ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {};
    if (status === 401) headers['www-authenticate'] = 'Bearer';
    sendRpcError(response, status, error.message, headers);
    return null;
  }
}

export interface McpHttpServerOptions extends McpHttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Default `/mcp`. */
  path?: string;
  /**
   * Serve beyond loopback without `authenticate`. Off by default: the research tool spends
   * provider money, so an open port on a network needs a deliberate choice.
   */
  allowUnauthenticated?: boolean;
  /** Bound on draining in-flight requests at `close()` (default 5 s). */
  shutdownTimeoutMs?: number;
}

export interface McpHttpServer {
  /** Full endpoint URL, e.g. `http://127.0.0.1:3100/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

/** `fortitude mcp --http`: a node:http server with the MCP endpoint at `path`. */
export async function runMcpHttp(services: McpServices, options: McpHttpServerOptions): Promise<McpHttpServer> {
  const loopback = isLoopback(options.host);
  if (!loopback && options.authenticate === undefined && options.allowUnauthenticated !== true) {
    throw new FortitudeError(
      'config_invalid',
      `Refusing to serve MCP on ${options.host} without authentication: enable API keys, bind to 127.0.0.1, or allow unauthenticated access explicitly.`,
    );
  }
  const path = options.path ?? '/mcp';
  // Built once the port is known: the derived allow-list includes it.
  const mounted: { handler?: McpHttpHandler } = {};
  const server = createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?', 1)[0];
    const handler = mounted.handler;
    if (pathname !== path || handler === undefined) {
      sendRpcError(response, 404, `Not found: the MCP endpoint is ${path}`);
      return;
    }
    void handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  mounted.handler = createMcpHttpHandler(services, {
    ...options,
    allowedHosts: options.allowedHosts !== undefined && options.allowedHosts.length > 0 ? options.allowedHosts : defaultAllowedHosts(options.host, address.port),
  });
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const drain = trackConnections(server);
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5_000;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${address.port}${path}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        drain();
      });
      return closing;
    },
  };
}

/**
 * Graceful close: `server.close()` waits for every connection, and Node's idle-connection
 * sweep skips sockets that were opened but never sent a request (clients pre-connect). Returns
 * `drain`, which ends every socket with no response in flight now, and each other one as soon
 * as its last response closes.
 */
function trackConnections(server: HttpServer): () => void {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (draining && left === 0) socket.end();
    });
  });
  return () => {
    draining = true;
    for (const [socket, count] of inFlight) if (count === 0) socket.end();
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The SDK's shape for transport-level refusals: a JSON-RPC error with no id. */
function sendRpcError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}
