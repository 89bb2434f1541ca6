import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small HTTP load balancer for loopback tests and benchmarks (what a Kubernetes Service or an
 * ingress does in production): each request goes to the next backend in turn. A backend that
 * refuses connections is ejected for `ejectMs` and the request is sent to the next one — safe,
 * since nothing reached the refusing backend. A request already sent to a backend that dies is
 * not replayed (it may have had effects): the client gets a clean 502, or, when the response had
 * begun, a cut connection, and the backend is ejected too. Request bodies are buffered (bounded)
 * so a refused attempt can move.
 */

export interface LoadBalancerOptions {
  /** Backend base URLs (`http://127.0.0.1:8081`). */
  backends: readonly string[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How long a backend that refused a connection is skipped (default 2 s). */
  ejectMs?: number;
  /** Largest request body buffered (default 1 MiB); larger gets 413. */
  bodyLimitBytes?: number;
  /** A request with no response by then gets 504 (default 120 s). */
  upstreamTimeoutMs?: number;
}

export interface LoadBalancerStats {
  requests: number;
  /** Responses relayed, per backend URL. */
  byBackend: Record<string, number>;
  /** Attempts moved to another backend after a refused connection. */
  retriedConnects: number;
  /** 502: the backend failed after the request was sent. */
  upstreamFailures: number;
  /** 503: every backend refused. */
  noBackend: number;
  /** Responses cut mid-body because the backend died. */
  truncated: number;
}

/** Response header naming the backend that answered. */
export const BACKEND_HEADER = 'x-balancer-backend';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** The connection broke after the request went out: the backend is probably gone. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export class RoundRobinBalancer {
  readonly #options: Required<Omit<LoadBalancerOptions, 'backends' | 'host' | 'port'>> & Pick<LoadBalancerOptions, 'host' | 'port'>;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #ejectedUntil = new Map<string, number>();
  #backends: string[];
  #next = 0;
  readonly #stats: LoadBalancerStats = { requests: 0, byBackend: {}, retriedConnects: 0, upstreamFailures: 0, noBackend: 0, truncated: 0 };

  constructor(options: LoadBalancerOptions) {
    this.#backends = [...options.backends];
    this.#options = { ejectMs: 2_000, bodyLimitBytes: 1_048_576, upstreamTimeoutMs: 120_000, ...options };
    this.#server = createServer((request, response) => void this.#handle(request, response));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<{ url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    return { url: `http://${address.address}:${address.port}` };
  }

  setBackends(backends: readonly string[]): void {
    this.#backends = [...backends];
  }

  stats(): LoadBalancerStats {
    return { ...this.#stats, byBackend: { ...this.#stats.byBackend } };
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.#stats.requests++;
    let body: Buffer;
    try {
      body = await readBody(request, this.#options.bodyLimitBytes);
    } catch {
      response.setHeader('connection', 'close');
      return sendError(response, 413, 'payload_too_large', 'request body exceeds the balancer limit');
    }
    const tried = new Set<string>();
    for (;;) {
      const backend = this.#pick(tried);
      if (!backend) {
        this.#stats.noBackend++;
        return sendError(response, 503, 'no_backend', 'no backend accepted the connection');
      }
      tried.add(backend);
      const outcome = await this.#forward(backend, request, body, response);
      if (outcome !== 'refused') return;
      this.#ejectedUntil.set(backend, Date.now() + this.#options.ejectMs);
      this.#stats.retriedConnects++;
    }
  }

  /** The next backend in turn that is neither ejected nor already tried; an ejected one only as a last resort. */
  #pick(tried: ReadonlySet<string>): string | undefined {
    const now = Date.now();
    const count = this.#backends.length;
    let fallback: string | undefined;
    for (let step = 0; step < count; step++) {
      const backend = this.#backends[(this.#next + step) % count]!;
      if (tried.has(backend)) continue;
      if ((this.#ejectedUntil.get(backend) ?? 0) > now) {
        fallback ??= backend;
        continue;
      }
      this.#next = (this.#next + step + 1) % count;
      return backend;
    }
    return fallback;
  }

  #forward(backend: string, request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<'done' | 'refused'> {
    return new Promise((resolve) => {
      const target = new URL(request.url ?? '/', backend);
      const headers = forwardHeaders(request.headers, request.socket.remoteAddress);
      headers['content-length'] = String(body.length);
      // As nginx's default (`proxy_set_header Host $proxy_host`): the backend sees its own name,
      // which its Host allow-list accepts; the client's goes in X-Forwarded-Host.
      if (request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host;
      headers.host = target.host;
      const upstream = httpRequest(target, { method: request.method, headers, agent: this.#agent, timeout: this.#options.upstreamTimeoutMs });
      let settled = false;
      const settle = (outcome: 'done' | 'refused') => {
        if (!settled) resolve(outcome);
        settled = true;
      };
      upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (response.headersSent) return;
        if (REFUSED.has(error.code ?? '')) return settle('refused');
        this.#stats.upstreamFailures++;
        // Passive health check: stop sending to a backend whose connections break.
        if (BROKEN.has(error.code ?? '')) this.#ejectedUntil.set(backend, Date.now() + this.#options.ejectMs);
        const timedOut = error.code === 'ETIMEDOUT';
        sendError(response, timedOut ? 504 : 502, 'upstream_failed', `backend failed while handling the request (${error.code ?? error.message})`);
        settle('done');
      });
      upstream.on('response', (reply) => {
        this.#stats.byBackend[backend] = (this.#stats.byBackend[backend] ?? 0) + 1;
        response.writeHead(reply.statusCode ?? 502, { ...responseHeaders(reply.headers), [BACKEND_HEADER]: backend });
        reply.pipe(response);
        reply.on('aborted', () => {
          this.#stats.truncated++;
          response.destroy();
        });
        reply.on('error', () => response.destroy());
        response.on('close', () => {
          if (!reply.complete) reply.destroy();
          settle('done');
        });
      });
      // A client that goes away cancels the upstream call.
      response.on('close', () => {
        if (!response.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    });
  }
}

export function createRoundRobinBalancer(options: LoadBalancerOptions): RoundRobinBalancer {
  return new RoundRobinBalancer(options);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    if (Number(request.headers['content-length'] ?? 0) > limit) return reject(new Error('too large'));
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (!tooLarge) {
        tooLarge = true;
        chunks.length = 0; // keep reading (and dropping) so the 413 can be delivered
        reject(new Error('too large'));
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function forwardHeaders(headers: IncomingHttpHeaders, remote: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  const forwarded = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwarded ? `${String(forwarded)}, ${remote ?? ''}` : (remote ?? '');
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
