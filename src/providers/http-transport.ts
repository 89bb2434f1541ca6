import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate, gzip } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { StreamPart } from '../core/chat.js';
import { ProviderError } from '../core/errors.js';
import { createSseParser } from '../wire/sse.js';
import type { HttpRequestSpec, ParsedWireError, StreamDecoder } from '../wire/wire-format.js';
import { DEFAULT_CONNECTION_OPTIONS, OriginPool } from './connection-pool.js';
import type { ConnectionOptions, OriginStats } from './connection-pool.js';
import { parseRateLimitHeaders, retryDelayFromInfo } from './rate-limit-headers.js';
import type { HeaderBag, RateLimitInfo } from './rate-limit-headers.js';
import { redactSecrets } from './redact.js';
import { relabel, transportError, transportFailureReason } from './transport-errors.js';
import type { FailureContext } from './transport-errors.js';
import type { CancelSignal } from './cancel-signal.js';
import { DueEntry, DueTimers, unrefClock } from './fallback/due-timers.js';
import type { DueOwner } from './fallback/due-timers.js';

const gzipAsync = promisify(gzip);

/** Bodies smaller than this are sent as they are: gzip would cost more than it saves. */
const COMPRESS_MIN_BYTES = 1024;
/** Error bodies are read up to this size; the rest is discarded. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface TransportRequest {
  /** Configured provider name, used in error messages and metrics. */
  provider: string;
  /** Base URL including any path prefix, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The request to send, as built by a `WireFormat`. */
  spec: HttpRequestSpec;
  /** Secrets to scrub from anything the transport reports (normally the API key). */
  secrets?: readonly (string | undefined)[];
  connection?: Partial<ConnectionOptions>;
  /** `timeout_seconds`: whole call, streams included, in ms. */
  totalTimeoutMs: number;
  /** `read_timeout`: longest wait for headers or between body chunks, in ms. */
  readTimeoutMs: number;
  /** `enable_compression`: gzip request bodies of 1 KiB or more. */
  compressRequest?: boolean;
  /** Translates a non-2xx body into an error class and message (the format's `parseError`). */
  parseError(status: number, body: string): ParsedWireError;
  signal?: CancelSignal | undefined;
  /** Called with every response's rate-limit hints (success or failure) so limiters adapt. */
  onRateLimitInfo?(info: RateLimitInfo, status: number): void;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

interface Target {
  origin: string;
  pathPrefix: string;
}

const TOTAL_TIMEOUT = Symbol('total timeout');

/** The caller's signal fired; rethrown untouched so that no layer retries or counts it. */
function callerAbortReason(signal: CancelSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Total timeouts: one timer per distinct `timeout_seconds` (a list each, to the millisecond)
 * rather than a `setTimeout` per request; unref'd like the race's, a request's socket keeps the
 * process alive while it runs.
 */
const totalTimers = new DueTimers(unrefClock, 1);

/**
 * One request in flight: the failure context its errors name, the abort handle undici listens
 * to, the total timeout and the caller's signal. One object per request where it used to be a
 * context, an abort handle and three closures.
 *
 * The abort handle is handed to undici as `signal` in its documented EventEmitter form: an
 * `AbortController` goes through Node's EventTarget and costs about 25 µs of CPU per request
 * (measured in bench/provider-overhead.ts); this costs next to nothing.
 */
class TransportCall implements FailureContext, DueOwner {
  midStream = false;
  aborted = false;
  reason: unknown = undefined;
  /** Set once the response headers arrived. */
  status = 0;
  body: Readable | undefined = undefined;
  #listener: (() => void) | undefined = undefined;
  readonly #timer = new DueEntry(this, 0);
  readonly #callerSignal: CancelSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;

  constructor(
    readonly provider: string,
    readonly origin: string,
    readonly secrets: readonly (string | undefined)[],
    totalTimeoutMs: number,
    callerSignal: CancelSignal | undefined,
  ) {
    totalTimers.schedule(this.#timer, totalTimeoutMs);
    this.#callerSignal = callerSignal;
    if (callerSignal === undefined) return;
    if (callerSignal.aborted) {
      this.abort(callerAbortReason(callerSignal));
      return;
    }
    this.#onCallerAbort = () => this.abort(callerAbortReason(callerSignal));
    callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** The total timeout is due. */
  onDue(): void {
    this.abort(TOTAL_TIMEOUT);
  }

  /** undici checks for `on` to accept an EventEmitter-style signal. */
  on(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  once(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** The request is over: stop its timer and stop listening to the caller. */
  done(): void {
    totalTimers.cancel(this.#timer);
    if (this.#onCallerAbort !== undefined) this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  /** Any failure of this request as what the caller sees: a `ProviderError` without secrets, or the caller's abort. */
  translate(error: unknown): unknown {
    if (this.aborted) {
      if (this.reason === TOTAL_TIMEOUT) return transportError('total_timeout', this, undefined);
      return this.reason;
    }
    if (error instanceof ProviderError) return relabel(error, this);
    const reason = transportFailureReason(error);
    if (reason) return transportError(reason, this, error);
    const detail = error instanceof Error ? `: ${error.message}` : '';
    return new ProviderError(redactSecrets(`${this.provider}: request failed (${this.origin})${detail}`, this.secrets), {
      provider: this.provider,
      errorClass: 'unknown',
      cause: error,
    });
  }
}

const NO_SECRETS: readonly (string | undefined)[] = [];

/**
 * The only place Fortitude talks HTTP to providers. One undici `Pool` per origin (per
 * transport), total/connect/read timeouts, gzip/br/deflate responses, optional gzip requests,
 * SSE framing through `wire/sse.ts`, and every failure as a `ProviderError` with no secrets.
 */
export class HttpTransport {
  readonly #pools = new Map<string, OriginPool>();
  readonly #targets = new Map<string, Target>();
  readonly #acceptEncoding: string | undefined;
  #closed = false;

  constructor(options: { acceptCompressedResponses?: boolean } = {}) {
    this.#acceptEncoding = options.acceptCompressedResponses === false ? undefined : 'gzip, br';
  }

  /** Sends a request and parses its JSON body; throws `ProviderError` on any failure. */
  async json(request: TransportRequest): Promise<JsonResponse> {
    const call = await this.#open(request);
    try {
      const text = await readText(call.body!);
      try {
        return { status: call.status, body: text.length === 0 ? undefined : JSON.parse(text) };
      } catch (error) {
        throw transportError('invalid_response', call, error);
      }
    } catch (error) {
      throw call.translate(error);
    } finally {
      call.done();
    }
  }

  /**
   * Sends a streaming request and yields the decoder's parts as SSE events arrive. A body that
   * ends or fails before the decoder saw completion throws `stream_broken`; it never finishes
   * quietly.
   */
  async *stream(request: TransportRequest, decoder: StreamDecoder): AsyncGenerator<StreamPart> {
    const call = await this.#open(request);
    const parser = createSseParser();
    let finished = false;
    try {
      // undici's body ignores setEncoding; decode UTF-8 across chunk boundaries ourselves.
      const text = new TextDecoder();
      for await (const chunk of call.body as AsyncIterable<Uint8Array>) {
        for (const event of parser.feed(text.decode(chunk, { stream: true }))) {
          for (const part of decoder.push(event)) {
            call.midStream = true;
            yield part;
          }
        }
      }
      const rest = text.decode();
      if (rest) for (const event of parser.feed(rest)) for (const part of decoder.push(event)) yield part;
      for (const event of parser.flush()) for (const part of decoder.push(event)) yield part;
      for (const part of decoder.end()) yield part;
      finished = true;
    } catch (error) {
      throw call.translate(error);
    } finally {
      if (!finished && !call.body!.destroyed) call.body!.destroy();
      call.done();
    }
  }

  stats(): OriginStats[] {
    return [...this.#pools.values()].map((pool) => pool.stats());
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #target(baseUrl: string): Target {
    let target = this.#targets.get(baseUrl);
    if (!target) {
      const url = new URL(baseUrl);
      target = { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
      this.#targets.set(baseUrl, target);
    }
    return target;
  }

  #pool(origin: string, connection: Partial<ConnectionOptions> | undefined): OriginPool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      if (this.#closed) throw new Error('HttpTransport is closed');
      pool = new OriginPool(origin, { ...DEFAULT_CONNECTION_OPTIONS, ...connection });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async #open(request: TransportRequest): Promise<TransportCall> {
    const target = this.#target(request.baseUrl);
    const call = new TransportCall(request.provider, target.origin, request.secrets ?? NO_SECRETS, request.totalTimeoutMs, request.signal);
    try {
      const pool = this.#pool(target.origin, request.connection);
      const { spec } = request;
      // The spec is built for this call alone, so its headers are completed in place rather than copied.
      const headers = spec.headers;
      if (this.#acceptEncoding && headers['accept-encoding'] === undefined) headers['accept-encoding'] = this.#acceptEncoding;
      let body: string | Buffer | undefined = spec.body;
      if (request.compressRequest && body !== undefined && Buffer.byteLength(body) >= COMPRESS_MIN_BYTES) {
        body = await gzipAsync(body);
        headers['content-encoding'] = 'gzip';
      }
      const options: Dispatcher.RequestOptions = {
        method: spec.method,
        path: target.pathPrefix + spec.path,
        headers,
        body,
        signal: call as unknown as EventEmitter,
        headersTimeout: request.readTimeoutMs,
        bodyTimeout: request.readTimeoutMs,
      };
      if (!pool.keepAlive) options.reset = true;
      const response = await pool.dispatcher.request(options);
      const responseHeaders = response.headers as HeaderBag;
      const info = parseRateLimitHeaders(responseHeaders, Date.now());
      if (info) request.onRateLimitInfo?.(info, response.statusCode);
      if (response.statusCode >= 300) {
        const text = await readText(decodedBody(response), ERROR_BODY_LIMIT).catch(() => '');
        throw statusError(request, call, response.statusCode, text, info);
      }
      call.status = response.statusCode;
      call.body = decodedBody(response);
      return call;
    } catch (error) {
      call.done();
      throw call.translate(error);
    }
  }
}

function statusError(
  request: TransportRequest,
  context: FailureContext,
  status: number,
  text: string,
  info: RateLimitInfo | undefined,
): ProviderError {
  let parsed: ParsedWireError;
  try {
    parsed = request.parseError(status, text);
  } catch {
    parsed = { errorClass: status >= 500 ? 'server' : 'unknown', message: `HTTP ${status}` };
  }
  const fromHeaders = status === 429 || status === 503 || status === 529 ? retryDelayFromInfo(info) : info?.retryAfterMs;
  const retryAfterMs = fromHeaders ?? parsed.retryAfterMs;
  const message = redactSecrets(`${request.provider}: HTTP ${status}: ${parsed.message}`, context.secrets);
  return new ProviderError(message, {
    provider: request.provider,
    errorClass: parsed.errorClass,
    status,
    retryAfterMs,
    details: parsed.providerCode ? { providerCode: parsed.providerCode } : undefined,
  });
}

/** The response body, decompressed according to `content-encoding`. */
function decodedBody(response: Dispatcher.ResponseData): Readable {
  const encoding = response.headers['content-encoding'];
  const value = (Array.isArray(encoding) ? encoding[0] : encoding)?.trim().toLowerCase();
  const body = response.body as unknown as Readable;
  if (!value || value === 'identity') return body;
  const decoder =
    value === 'gzip' || value === 'x-gzip'
      ? createGunzip()
      : value === 'br'
        ? createBrotliDecompress()
        : value === 'deflate'
          ? createInflate()
          : undefined;
  if (!decoder) return body;
  body.on('error', (error) => decoder.destroy(error));
  decoder.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return body.pipe(decoder);
}

function readText(body: Readable, limit = Number.POSITIVE_INFINITY): Promise<string> {
  // undici's own body reader is the fast path for whole, undecoded bodies (its promise as is:
  // no async frame around it).
  const consume = (body as Readable & { text?: () => Promise<string> }).text;
  if (limit === Number.POSITIVE_INFINITY && typeof consume === 'function') {
    try {
      return consume.call(body);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return readChunks(body, limit);
}

async function readChunks(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
