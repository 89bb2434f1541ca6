import type { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
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
 * One request in flight: the failure context its errors name, its abort (the total timeout or
 * the caller's signal) and what to do on it. One object per request where it used to be a
 * context, an abort handle and three closures; no `AbortController`, whose EventTarget cost
 * about 25 µs of CPU per request (measured in bench/provider-overhead.ts).
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

  /** What an abort does from now on (one listener: the latest replaces the one before). */
  protected onAbort(listener: () => void): void {
    this.#listener = listener;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /**
   * Takes in the response's headers (those Fortitude reads, `readHeaders`): its rate-limit hints
   * go to the limiters, whatever the status, and its content-coding is kept for the body.
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

/** The consumer of a stream stopped reading it: the reason its dispatch is aborted with. */
const STOPPED = Symbol('stream consumer stopped');

/**
 * A call that is also its own undici dispatch handler, taking the body as the Buffers undici
 * hands over. undici's `request()` would wrap the body in a `Readable` and parse every response
 * header into an object, which at gateway saturation cost several % of a worker's CPU (for a
 * stream, the Readable's async iterator and its end-of-stream watcher more than the SSE
 * parsing); this reads only the headers Fortitude needs, straight from undici's raw list.
 *
 * It implements undici's legacy handler callbacks on purpose: a handler with the newer
 * `onRequestStart`/`onResponseStart` ones is wrapped so that it gets the headers parsed.
 *
 * A status of 300 or more is handled here for both kinds of call: its body is read up to
 * `ERROR_BODY_LIMIT`, decoded, and the call fails with `statusError`. A 2xx body goes to the
 * subclass (`onBody`, `onBodyEnd`); every failure, untranslated, to its `fail`.
 */
abstract class DispatchCall extends TransportCall implements Dispatcher.DispatchHandler {
  protected readonly request: TransportRequest;
  /** undici's abort for this dispatch, once it is on a connection. */
  #abortDispatch: (() => void) | undefined = undefined;
  /** undici is done with this response, or this call with undici: later callbacks change nothing. */
  protected ended = false;
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(request: TransportRequest, origin: string) {
    super(request.provider, origin, request.secrets ?? NO_SECRETS, request.totalTimeoutMs, request.signal);
    this.request = request;
  }

  /** A 2xx body chunk; false pauses undici until the `resume` it passed to `onHeaders` is called. */
  protected abstract onBody(chunk: Buffer): boolean;
  /** The 2xx body is complete. */
  protected abstract onBodyEnd(): void;
  /** The call failed (the error untranslated); from undici, an abort before connection or a failure of the body's decoding. */
  protected abstract fail(error: unknown): void;

  /** Hands the request to undici; its outcome comes back through the callbacks below. */
  protected dispatchTo(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    if (this.aborted) {
      this.#failOnce(this.reason);
      return;
    }
    // Aborted while it waits for a free connection: it fails now (undici would keep it queued
    // until a connection frees up, then drop it in onConnect). Once connected, `onConnect`
    // replaces this listener with undici's abort.
    this.onAbort(() => this.#failOnce(this.reason));
    // Failures to dispatch come back through onError.
    dispatcher.dispatch(options, this);
  }

  /** The request is on a connection: from now on aborting this call aborts it (undici then calls onError). */
  onConnect(abort: () => void): void {
    // Aborted while it waited for a connection (undici's request() does the same).
    if (this.aborted) {
      abort();
      return;
    }
    this.#abortDispatch = abort;
    this.onAbort(abort);
  }

  onHeaders(status: number, rawHeaders: Buffer[], _resume?: () => void): boolean {
    // 1xx informational responses come before the real one.
    if (status >= 200) this.head(this.request, status, readHeaders(rawHeaders));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.ended) return true;
    if (this.status < 300) return this.onBody(chunk);
    this.collect(chunk);
    if (this.#size >= ERROR_BODY_LIMIT) {
      this.#endErrorBody();
      // The rest is not wanted; the socket goes (undici's onError that follows is ignored).
      this.#abortDispatch?.();
    }
    return true;
  }

  onComplete(): void {
    if (this.ended) return;
    if (this.status >= 300) this.#endErrorBody();
    else this.onBodyEnd();
  }

  onError(error: Error): void {
    // An error body that cannot be read still fails the call with its status.
    this.#failOnce(this.status >= 300 ? statusError(this.request, this, this.status, '', this.info) : error);
  }

  /** Stops undici's side of the call, dropping the connection, if it is still going; then fails with `error`. */
  protected giveUp(error: unknown): void {
    if (!this.ended) {
      this.ended = true;
      // undici's onError that follows is ignored.
      this.#abortDispatch?.();
    }
    this.fail(error);
  }

  protected collect(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /** The body collected so far, as one Buffer. */
  protected collected(): Buffer {
    const chunks = this.#chunks;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
  }

  #failOnce(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.fail(error);
  }

  /** The error body is complete (or cut at its limit): the call fails with its status. */
  #endErrorBody(): void {
    this.ended = true;
    const body = this.collected();
    const fail = (text: string) => this.fail(statusError(this.request, this, this.status, text, this.info));
    if (this.coding === undefined) fail(utf8Text(body));
    else decode(body, this.coding, true, (error, decoded) => fail(error ? '' : utf8Text(decoded)));
  }
}

/** A non-streaming call: the body is collected and settles one promise at the end, parsed as JSON. */
class JsonCall extends DispatchCall {
  #resolve: (response: JsonResponse) => void = noop;
  #reject: (error: unknown) => void = noop;

  /** Dispatches the request and settles once with its parsed body or its failure (untranslated). */
  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<JsonResponse> {
    return new Promise<JsonResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.dispatchTo(dispatcher, options);
    });
  }

  protected onBody(chunk: Buffer): boolean {
    this.collect(chunk);
    return true;
  }

  protected onBodyEnd(): void {
    this.ended = true;
    const body = this.collected();
    if (this.coding === undefined) this.#parse(body);
    else decode(body, this.coding, false, (error, decoded) => (error ? this.#reject(error) : this.#parse(decoded)));
  }

  protected fail(error: unknown): void {
    this.#reject(error);
  }

  #parse(body: Buffer): void {
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

/** Parts a stream's consumer may fall behind by before undici is paused; it resumes at half. */
const MAX_QUEUED_PARTS = 64;

/**
 * A streaming call: each 2xx body chunk goes through UTF-8 decoding (across chunk boundaries),
 * SSE framing and the wire decoder as undici hands it over, and the parts wait in a queue that
 * `HttpTransport.stream()` takes them from, sleeping on one promise when it is empty. A
 * compressed body goes through a zlib stream first and its output the same way. When the
 * consumer falls `MAX_QUEUED_PARTS` behind (or the zlib stream's input is full), `onData`
 * pauses undici until it has caught up.
 *
 * Parts decoded before a failure are taken before it; the caller's abort and the total timeout
 * drop them and fail at once.
 */
class StreamCall extends DispatchCall {
  readonly #decoder: StreamDecoder;
  readonly #parser = createSseParser();
  /** UTF-8 across chunk boundaries; node's own decoder, cheaper per chunk than `TextDecoder` (no options object to convert). A leading BOM is the SSE parser's to strip. */
  readonly #text = new StringDecoder('utf8');
  #inflater: Transform | undefined = undefined;
  /** Parts decoded and not taken yet: from index `#taken` on. */
  readonly #parts: StreamPart[] = [];
  #taken = 0;
  /** Every part is queued: the body ended and the wire decoder's `end()` returned. */
  #complete = false;
  #failed = false;
  #failure: unknown = undefined;
  /** The consumer waiting for a part, the end or a failure (`arrival`). */
  #wake: (() => void) | undefined = undefined;
  /** undici's resume for this response, and whether `onData` paused it. */
  #resume: (() => void) | undefined = undefined;
  #paused = false;

  constructor(request: TransportRequest, origin: string, decoder: StreamDecoder) {
    super(request, origin);
    this.#decoder = decoder;
  }

  /** True once every part is queued (they may not all be taken yet). */
  get complete(): boolean {
    return this.#complete;
  }

  start(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    this.dispatchTo(dispatcher, options);
  }

  /** The next queued part, or undefined when there is none; throws the call's failure once the parts before it are taken. */
  next(): StreamPart | undefined {
    const parts = this.#parts;
    if (this.#taken < parts.length) {
      const part = parts[this.#taken]!;
      this.#taken += 1;
      if (this.#taken === parts.length) {
        parts.length = 0;
        this.#taken = 0;
      }
      if (this.#paused) this.#resumeIfCaughtUp();
      return part;
    }
    if (this.#failed) throw this.#failure;
    return undefined;
  }

  /** Settles when a part is queued, every part is, or the call failed. */
  arrival(): Promise<void> {
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** The consumer is gone before the end: the dispatch is aborted, its socket dropped. */
  stop(): void {
    this.#inflater?.destroy();
    this.abort(STOPPED);
  }

  override onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.#resume = resume;
    return super.onHeaders(status, rawHeaders);
  }

  protected onBody(chunk: Buffer): boolean {
    if (this.#failed) return true;
    if (this.coding === undefined) this.#feed(chunk);
    else (this.#inflater ??= this.#startInflater()).write(chunk);
    if (this.#queued() < MAX_QUEUED_PARTS && this.#inflater?.writableNeedDrain !== true) return true;
    this.#paused = true;
    return false;
  }

  protected onBodyEnd(): void {
    this.ended = true;
    if (this.#inflater === undefined) this.#finish();
    else this.#inflater.end();
  }

  protected fail(error: unknown): void {
    if (this.#failed || this.#complete) return;
    this.#failed = true;
    this.#failure = error;
    if (this.aborted) {
      this.#parts.length = 0;
      this.#taken = 0;
    }
    this.#inflater?.destroy();
    this.#signal();
  }

  #startInflater(): Transform {
    const inflater = this.coding === 'gzip' ? createGunzip() : this.coding === 'br' ? createBrotliDecompress() : createInflate();
    inflater.on('data', (bytes: Buffer) => this.#feed(bytes));
    inflater.on('end', () => this.#finish());
    inflater.on('error', (error) => this.giveUp(error));
    inflater.on('drain', () => this.#resumeIfCaughtUp());
    return inflater;
  }

  /** Body bytes (decompressed) through the UTF-8 decoder, the SSE parser and the wire decoder into the queue. */
  #feed(bytes: Buffer): void {
    if (this.#failed) return;
    try {
      for (const event of this.#parser.feed(this.#text.write(bytes))) this.#queue(this.#decoder.push(event));
    } catch (error) {
      this.giveUp(error);
      return;
    }
    if (this.#queued() > 0) this.#signal();
  }

  /** The body ended: what the decoders still hold, then the wire decoder's end (which throws `stream_broken` when it saw no completion). */
  #finish(): void {
    if (this.#failed) return;
    try {
      const rest = this.#text.end();
      if (rest) for (const event of this.#parser.feed(rest)) this.#queue(this.#decoder.push(event));
      for (const event of this.#parser.flush()) this.#queue(this.#decoder.push(event));
      this.#queue(this.#decoder.end());
    } catch (error) {
      this.fail(error);
      return;
    }
    this.#complete = true;
    this.#signal();
  }

  #queue(parts: readonly StreamPart[]): void {
    for (const part of parts) this.#parts.push(part);
  }

  #queued(): number {
    return this.#parts.length - this.#taken;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #resumeIfCaughtUp(): void {
    if (!this.#paused || this.#queued() > MAX_QUEUED_PARTS / 2 || this.#inflater?.writableNeedDrain === true) return;
    this.#paused = false;
    // undici may hand over the next chunks before this returns.
    this.#resume?.();
  }
}

function noop(): void {}

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
    const target = this.#target(request.baseUrl);
    const call = new StreamCall(request, target.origin, decoder);
    let finished = false;
    try {
      const pool = this.#pool(target.origin, request.connection);
      const options = this.#options(request, target, pool);
      if (compressible(request, options)) await compress(options);
      call.start(pool.dispatcher, options);
      for (;;) {
        const part = call.next();
        if (part !== undefined) {
          call.midStream = true;
          yield part;
        } else if (call.complete) {
          break;
        } else {
          await call.arrival();
        }
      }
      finished = true;
    } catch (error) {
      throw call.translate(error);
    } finally {
      // The consumer stopped early (or this failed): the dispatch must not go on streaming.
      if (!finished) call.stop();
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
