import type { IncomingMessage } from 'node:http';
import { HttpError } from './error-status.js';
import type { Exchange } from './exchange.js';

/** `application/json`, optionally with parameters (`; charset=utf-8`). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semicolon = value.indexOf(';');
  const type = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Reads and parses a JSON body: 415 unless `content-type` is JSON, 413 above `limitBytes` (from
 * `content-length` up front or while streaming), 400 for an empty or malformed body. On 413 the
 * connection is marked to close, so the unread remainder is never parsed as a next request.
 */
export function readJsonBody(exchange: Exchange, limitBytes: number): Promise<unknown> {
  const request = exchange.request;
  if (!isJsonContentType(request.headers['content-type'])) {
    return Promise.reject(new HttpError('unsupported_media_type', 'content-type must be application/json'));
  }
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) return Promise.reject(tooLarge(exchange, limitBytes));
  return readJson(exchange, limitBytes);
}

function parseJson(text: string): unknown {
  if (text.length === 0) throw new HttpError('invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError('invalid_json', 'request body is not valid JSON');
  }
}

function tooLarge(exchange: Exchange, limitBytes: number): HttpError {
  exchange.headers.connection = 'close';
  return new HttpError(
    'payload_too_large',
    `request body exceeds ${Math.floor(limitBytes / 1024)} KB; to accept larger bodies raise server.body_limit_kb (env FORTITUDE_SERVER__BODY_LIMIT_KB)`,
  );
}

interface BodyState {
  limitBytes: number;
  first: Buffer | undefined;
  chunks: Buffer[] | undefined;
  size: number;
  resolve: (value: unknown) => void;
  reject: (error: HttpError) => void;
  exchange: Exchange;
}

const STATE = Symbol('fortitude.body');
type StatefulRequest = IncomingMessage & { [STATE]?: BodyState };

/*
 * The listeners are module-level functions reading their state from the request (`this`), so
 * reading a body allocates no closures on the hot path.
 */
function onData(this: StatefulRequest, chunk: Buffer): void {
  const state = this[STATE]!;
  state.size += chunk.length;
  if (state.size > state.limitBytes) {
    detach(this);
    // Stop buffering; the response carries `connection: close` so the rest is discarded.
    this.resume();
    state.reject(tooLarge(state.exchange, state.limitBytes));
    return;
  }
  if (state.first === undefined) state.first = chunk;
  else (state.chunks ??= [state.first]).push(chunk);
}

function onEnd(this: StatefulRequest): void {
  const state = this[STATE]!;
  detach(this);
  let text: string;
  if (state.chunks !== undefined) text = Buffer.concat(state.chunks, state.size).toString('utf8');
  else text = state.first === undefined ? '' : state.first.toString('utf8');
  try {
    state.resolve(parseJson(text));
  } catch (error) {
    state.reject(error as HttpError);
  }
}

function onFailure(this: StatefulRequest): void {
  const state = this[STATE]!;
  detach(this);
  state.reject(new HttpError('bad_request', 'request body could not be read'));
}

function detach(request: StatefulRequest): void {
  request.off('data', onData);
  request.off('end', onEnd);
  request.off('error', onFailure);
}

/** Buffers the body (up to the limit) and parses it, without an async frame per step. */
function readJson(exchange: Exchange, limitBytes: number): Promise<unknown> {
  const request: StatefulRequest = exchange.request;
  return new Promise<unknown>((resolve, reject) => {
    request[STATE] = { limitBytes, first: undefined, chunks: undefined, size: 0, resolve, reject, exchange };
    request.on('data', onData);
    request.on('end', onEnd);
    // A client gone mid-body: the request emits 'error' (ECONNRESET, after the deprecated
    // 'aborted'), so one listener covers both.
    request.on('error', onFailure);
  });
}
