import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, constants as zlibConstants, createBrotliDecompress, createGunzip, createInflate, gunzip, gzip, inflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { StreamPart } from '../core/chat.js';
import { ProviderError } from '../core/errors.js';
import { createSseParser } from '../wire/sse.js';
import type { HttpRequestSpec, ParsedWireError, StreamDecoder } from '../wire/wire-format.js';
import { DEFAULT_CONNECTION_OPTIONS, OriginPool } from './connection-pool.js';
import type { ConnectionOptions, OriginStats } from './connection-pool.js';
import { parseRateLimitHeaders, RATE_LIMIT_HEADER_NAMES, retryDelayFromInfo } from './rate-limit-headers.js';
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
/**
 * A compressed error body is decoded as far as it goes (it may have been cut at the limit above)
 * and to the limit at most; one that decodes to more reads as empty, like one that fails.
 */
const ERROR_BODY_ZLIB = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: ERROR_BODY_LIMIT };
const ERROR_BODY_BROTLI = { finishFlush: zlibConstants.BROTLI_OPERATION_FLUSH, maxOutputLength: ERROR_BODY_LIMIT };

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
  /** The response's rate-limit hints, if it had any. */
  info: RateLimitInfo | undefined = undefined;
  /** The response body's content-coding, when Fortitude decodes it. */
  coding: ContentCoding | undefined = undefined;
  body: Readable | undefined = undefined;
  #listener: (() => void) | undefined = undefined;
  /** Fails a wait for a connection when the call is aborted meanwhile (`whileWaiting`). */
  #waiter: (() => void) | undefined = undefined;
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
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /**
   * `pending` (undici's answer), failed with this call's abort reason as soon as it is aborted.
   * undici ends a dispatch that waits for a free connection (all `max_connections` busy) only
   * once one frees up: until then a caller that gave up, or a total timeout that passed, would
   * still wait. The dispatch itself is dropped when it reaches a connection (`onConnect`).
   */
  whileWaiting<T>(pending: Promise<T>): Promise<T> {
    if (this.aborted) {
      pending.catch(noop);
      return Promise.reject(this.reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiter = () => reject(this.reason);
      pending.then(
        (value) => {
          this.#waiter = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.#waiter = undefined;
          reject(error);
        },
      );
    });
  }

  /**
   * Takes in the response's headers (only those Fortitude reads, or all of them): its rate-limit
   * hints go to the limiters, whatever the status, and its content-coding is kept for the body.
   */
  head(request: TransportRequest, status: number, headers: HeaderBag | undefined): void {
    if (headers !== undefined) {
      this.info = parseRateLimitHeaders(headers, Date.now());
      if (this.info) request.onRateLimitInfo?.(this.info, status);
      this.coding = contentCoding(headers);
    }
    // Last: a throwing `onRateLimitInfo` fails the call as itself, not as an HTTP error.
    this.status = status;
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

/**
 * A non-streaming call, which is also its own undici dispatch handler: the body is collected
 * as the Buffers undici hands over and settles one promise at the end. undici's `request()`
 * would wrap it in a `Readable` and parse every response header into an object, which at
 * gateway saturation cost several % of a worker's CPU; this reads only the headers Fortitude
 * needs, straight from undici's raw list.
 *
 * It implements undici's legacy handler callbacks on purpose: a handler with the newer
 * `onRequestStart`/`onResponseStart` ones is wrapped so that it gets the headers parsed.
 */
class JsonCall extends TransportCall implements Dispatcher.DispatchHandler {
  readonly #request: TransportRequest;
  #resolve: (response: JsonResponse) => void = noop;
  #reject: (error: unknown) => void = noop;
  /** undici's abort for this dispatch, once it is on a connection. */
  #abortDispatch: (() => void) | undefined = undefined;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  /** The body is complete (or cut at the error body limit): later callbacks change nothing. */
  #ended = false;

  constructor(request: TransportRequest, origin: string) {
    super(request.provider, origin, request.secrets ?? NO_SECRETS, request.totalTimeoutMs, request.signal);
    this.#request = request;
  }

  /** Dispatches the request and settles once with its parsed body or its failure (untranslated). */
  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<JsonResponse> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<JsonResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      // Aborted while it waits for a free connection: it fails now (undici would keep it queued
      // until a connection frees up, then drop it in onConnect). Once connected, `onConnect`
      // replaces this listener with undici's abort.
      this.on('abort', () => {
        if (this.#ended) return;
        this.#ended = true;
        reject(this.reason);
      });
      // Failures to dispatch come back through onError.
      dispatcher.dispatch(options, this);
    });
  }

  /** The request is on a connection: from now on aborting this call aborts it (undici then calls onError). */
  onConnect(abort: () => void): void {
    // Aborted while it waited for a connection (undici's request() does the same).
    if (this.aborted) {
      abort();
      return;
    }
    this.#abortDispatch = abort;
    this.on('abort', abort);
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational responses come before the real one.
    if (status >= 200) this.head(this.#request, status, readHeaders(rawHeaders));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#ended) return true;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.status >= 300 && this.#size >= ERROR_BODY_LIMIT) {
      this.#end();
      // The rest is not wanted; the socket goes (undici's onError that follows is ignored).
      this.#abortDispatch?.();
    }
    return true;
  }

  onComplete(): void {
    if (!this.#ended) this.#end();
  }

  onError(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    // An error body that cannot be read still fails the call with its status.
    if (this.status >= 300) this.#settle(undefined, EMPTY);
    else this.#reject(error);
  }

  #end(): void {
    this.#ended = true;
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
    if (this.coding === undefined) this.#settle(undefined, body);
    else decode(body, this.coding, this.status >= 300, (error, decoded) => this.#settle(error, decoded));
  }

  #settle(error: Error | null | undefined, body: Buffer): void {
    if (this.status >= 300) {
      const text = error ? '' : utf8Text(body);
      this.#reject(statusError(this.#request, this, this.status, text, this.info));
      return;
    }
    if (error) {
      this.#reject(error);
      return;
    }
    const text = utf8Text(body);
    let parsed: unknown;
    try {
      parsed = text.length === 0 ? undefined : JSON.parse(text);
    } catch (parseError) {
      this.#reject(transportError('invalid_response', this, parseError));
      return;
    }
    this.#resolve({ status: this.status, body: parsed });
  }
}

function noop(): void {}

const EMPTY = Buffer.alloc(0);
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
    const target = this.#target(request.baseUrl);
    const call = new JsonCall(request, target.origin);
    try {
      const pool = this.#pool(target.origin, request.connection);
      const options = this.#options(request, target, pool);
      if (compressible(request, options)) await compress(options);
      return await call.send(pool.dispatcher, options);
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

  /** The request as undici options, body not yet compressed. */
  #options(request: TransportRequest, target: Target, pool: OriginPool): RequestOptions {
    const { spec } = request;
    // The spec is built for this call alone, so its headers are completed in place rather than copied.
    const headers = spec.headers;
    if (this.#acceptEncoding && headers['accept-encoding'] === undefined) headers['accept-encoding'] = this.#acceptEncoding;
    const options: RequestOptions = {
      method: spec.method,
      path: target.pathPrefix + spec.path,
      headers,
      body: spec.body,
      headersTimeout: request.readTimeoutMs,
      bodyTimeout: request.readTimeoutMs,
    };
    if (!pool.keepAlive) options.reset = true;
    return options;
  }

  /** Sends a streaming request through undici's `request()`: its body is read as it comes. */
  async #open(request: TransportRequest): Promise<TransportCall> {
    const target = this.#target(request.baseUrl);
    const call = new TransportCall(request.provider, target.origin, request.secrets ?? NO_SECRETS, request.totalTimeoutMs, request.signal);
    try {
      const pool = this.#pool(target.origin, request.connection);
      const options = this.#options(request, target, pool);
      if (compressible(request, options)) await compress(options);
      const response = await call.whileWaiting(pool.dispatcher.request({ ...options, signal: call as unknown as EventEmitter }));
      call.head(request, response.statusCode, response.headers as HeaderBag);
      const body = decodedBody(response.body as unknown as Readable, call.coding);
      if (response.statusCode >= 300) {
        const text = await readChunks(body, ERROR_BODY_LIMIT).catch(() => '');
        throw statusError(request, call, response.statusCode, text, call.info);
      }
      call.body = body;
      return call;
    } catch (error) {
      call.done();
      throw call.translate(error);
    }
  }
}

/** undici's dispatch options with the body Fortitude sends: a string, or gzipped bytes. */
interface RequestOptions extends Dispatcher.DispatchOptions {
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

/** `enable_compression`, for bodies big enough to gain from it. */
function compressible(request: TransportRequest, options: RequestOptions): boolean {
  return request.compressRequest === true && options.body !== undefined && Buffer.byteLength(options.body) >= COMPRESS_MIN_BYTES;
}

async function compress(options: RequestOptions): Promise<void> {
  options.body = await gzipAsync(options.body!);
  options.headers['content-encoding'] = 'gzip';
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

type ContentCoding = 'gzip' | 'br' | 'deflate';

/** The content-codings Fortitude decodes; any other (`identity` included) is read as it is. */
function contentCoding(headers: HeaderBag): ContentCoding | undefined {
  const encoding = headers['content-encoding'];
  const value = (Array.isArray(encoding) ? encoding[0] : encoding)?.trim().toLowerCase();
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'br' || value === 'deflate') return value;
  return undefined;
}

/**
 * The response headers Fortitude reads, lowercase, by length: a raw header name is compared
 * only with the few of its length.
 */
const READ_HEADERS_BY_LENGTH: string[][] = [];
for (const name of ['content-encoding', ...RATE_LIMIT_HEADER_NAMES]) (READ_HEADERS_BY_LENGTH[name.length] ??= []).push(name);

/**
 * The headers Fortitude reads (`content-encoding` and the rate-limit ones), picked out of
 * undici's raw list (name, value, name, value… as Buffers) with the first value of each, as
 * undici's `parseHeaders` and our reads of its result give them. Undefined, allocating
 * nothing, for a response with none of them.
 */
function readHeaders(raw: readonly Buffer[]): HeaderBag | undefined {
  let headers: HeaderBag | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!;
    const candidates = READ_HEADERS_BY_LENGTH[name.length];
    if (candidates === undefined) continue;
    for (const wanted of candidates) {
      if (!sameHeaderName(name, wanted)) continue;
      headers ??= {};
      headers[wanted] ??= raw[index + 1]!.toString('latin1');
      break;
    }
  }
  return headers;
}

/** ASCII case-insensitive comparison of a raw header name with a lowercase one of the same length. */
function sameHeaderName(name: Buffer, lowercase: string): boolean {
  for (let index = 0; index < lowercase.length; index += 1) {
    const byte = name[index]!;
    if ((byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== lowercase.charCodeAt(index)) return false;
  }
  return true;
}

/** A whole body decoded off the main thread; an error body only as far as it goes, to its limit. */
function decode(body: Buffer, coding: ContentCoding, errorBody: boolean, callback: (error: Error | null, decoded: Buffer) => void): void {
  if (coding === 'br') brotliDecompress(body, errorBody ? ERROR_BODY_BROTLI : {}, callback);
  else if (coding === 'gzip') gunzip(body, errorBody ? ERROR_BODY_ZLIB : {}, callback);
  else inflate(body, errorBody ? ERROR_BODY_ZLIB : {}, callback);
}

/** UTF-8 text of a body, without a byte order mark (as undici's `text()` reads it). */
function utf8Text(body: Buffer): string {
  const start = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  return body.toString('utf8', start);
}

/** A streamed response body, decompressed according to its content-coding. */
function decodedBody(body: Readable, coding: ContentCoding | undefined): Readable {
  if (coding === undefined) return body;
  const decoder = coding === 'gzip' ? createGunzip() : coding === 'br' ? createBrotliDecompress() : createInflate();
  body.on('error', (error) => decoder.destroy(error));
  decoder.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return body.pipe(decoder);
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
