import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Option, type Command } from 'commander';
import { FortitudeError, type ErrorCode } from '../../../core/errors.js';

/**
 * How the commands that report or change a running server's state (`providers status`,
 * `cache …`, `learning status`, `costs apply-optimizations`, `performance …`, `profile …`) talk
 * to it: plain fetch, the admin key as a bearer token, the server's `{ error: { code, message } }`
 * turned back into a `FortitudeError` with the same code (and so the same exit code). The server
 * is `--url`, else `FORTITUDE_URL`, else the configured `server.host`/`server.port`.
 */

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

export interface ServerOptions {
  url: string;
  apiKey?: string;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'config_invalid',
  'bad_request',
  'not_found',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'budget_exceeded',
  'provider_error',
  'provider_unavailable',
  'timeout',
  'not_implemented',
  'storage_error',
  'internal',
]);

/**
 * Adds `--url` (also FORTITUDE_URL; default the configured server address) and `--api-key`
 * (also FORTITUDE_API_KEY) to a command.
 */
export function withServerOptions(command: Command, context?: { loadConfig(): { effective: Readonly<Record<string, unknown>> } }): Command {
  return command
    .addOption(new Option('--url <url>', `Fortitude server to talk to (default: the configured server.host:server.port, else ${DEFAULT_SERVER_URL})`).env('FORTITUDE_URL'))
    .addOption(new Option('--api-key <key>', 'API key with the admin scope (when the server requires auth)').env('FORTITUDE_API_KEY'))
    .hook('preAction', (self) => {
      if (self.getOptionValue('url') === undefined && context) self.setOptionValue('url', configuredServerUrl(context));
    });
}

/** `server.host`/`server.port` of the configuration as a URL a client can reach (a wildcard bind is reached on loopback). */
export function configuredServerUrl(context: { loadConfig(): { effective: Readonly<Record<string, unknown>> } }): string {
  let server: { host?: unknown; port?: unknown } | undefined;
  try {
    server = context.loadConfig().effective.server as typeof server;
  } catch {
    return DEFAULT_SERVER_URL; // an invalid configuration is reported by the commands that need it
  }
  const host = typeof server?.host === 'string' && !['0.0.0.0', '::', ''].includes(server.host) ? server.host : '127.0.0.1';
  const port = typeof server?.port === 'number' ? server.port : 8080;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The options `withServerOptions` adds, as commander hands them to the action. */
export interface ServerCommandOptions {
  url?: string;
  apiKey?: string;
}

/**
 * A live answer from the server; when none is running there, says so in one line on stderr and
 * returns what `stored` reads without it (`what` names what that is).
 */
export async function liveOrStored<T>(context: { err(text: string): void }, server: ServerOptions, live: () => Promise<T>, what: string, stored: () => Promise<T>): Promise<T> {
  try {
    return await live();
  } catch (error) {
    if (!isServerUnreachable(error)) throw error;
    context.err(`no Fortitude server at ${server.url} — showing ${what} (start "fortitude serve", or pass --url / FORTITUDE_URL)`);
    return stored();
  }
}

/** A command that only makes sense against a running server: unreachable is a plain one-line failure. */
export async function liveOnly<T>(server: ServerOptions, consequence: string, live: () => Promise<T>): Promise<T> {
  try {
    return await live();
  } catch (error) {
    if (!isServerUnreachable(error)) throw error;
    throw new FortitudeError('provider_unavailable', `no Fortitude server at ${server.url} — ${consequence} (start "fortitude serve", or pass --url / FORTITUDE_URL)`);
  }
}

/** The server could not be reached at all (nothing listening, DNS, refused): not an answer from it. */
export function isServerUnreachable(error: unknown): boolean {
  return error instanceof FortitudeError && error.details?.unreachable === true;
}

export function serverOptionsOf(options: { url?: string; apiKey?: string }): ServerOptions {
  const url = (options.url ?? DEFAULT_SERVER_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new FortitudeError('bad_request', `--url: expected http(s)://host:port (got "${url}")`);
  return { url, ...(options.apiKey ? { apiKey: options.apiKey } : {}) };
}

function query(values: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function send(server: ServerOptions, method: 'GET' | 'POST', path: string, values: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (server.apiKey) headers.authorization = `Bearer ${server.apiKey}`;
  let response: Response;
  try {
    response = await fetch(`${server.url}${path}${query(values)}`, { method, headers, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw new FortitudeError('timeout', 'stopped before the server answered', { cause: error });
    const reason = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FortitudeError('internal', `cannot reach Fortitude at ${server.url} (${reason?.code ?? reason?.message ?? String(error)}): is "fortitude serve" running there? (--url or FORTITUDE_URL)`, {
      cause: error,
      details: { unreachable: true },
    });
  }
  if (!response.ok) throw await errorOf(response, server);
  return response;
}

async function errorOf(response: Response, server: ServerOptions): Promise<FortitudeError> {
  const text = await response.text().catch(() => '');
  let code: ErrorCode = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : response.status === 404 ? 'not_found' : response.status >= 500 ? 'internal' : 'bad_request';
  let message = `${server.url} answered ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code && KNOWN_CODES.has(body.error.code)) code = body.error.code as ErrorCode;
  } catch {
    // not JSON: keep the status line
  }
  if (code === 'unauthorized' && !server.apiKey) message += ' — pass --api-key (or set FORTITUDE_API_KEY) with an admin key';
  if (code === 'not_found' && response.status === 404 && message.startsWith('no route')) message += ' — is this server older than this CLI?';
  return new FortitudeError(code, message);
}

/** Parses a JSON body; a long-running answer may carry leading spaces (heartbeats) or an in-band error. */
function parseBody<T>(text: string): T {
  const body = JSON.parse(text) as T & { error?: { code?: string; message?: string } };
  if (body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object' && Object.keys(body).length === 1) {
    const code = body.error.code && KNOWN_CODES.has(body.error.code) ? (body.error.code as ErrorCode) : 'internal';
    throw new FortitudeError(code, body.error.message ?? 'the server reported an error');
  }
  return body;
}

export async function getJson<T>(server: ServerOptions, path: string, values: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
  const response = await send(server, 'GET', path, values);
  return parseBody<T>(await response.text());
}

export async function postJson<T>(server: ServerOptions, path: string, values: Record<string, string | number | boolean | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const response = await send(server, 'POST', path, values, signal);
  return parseBody<T>(await response.text());
}

/** Streams a POST answer into `file`; returns the bytes written. */
export async function postToFile(server: ServerOptions, path: string, file: string, values: Record<string, string | number | boolean | undefined> = {}): Promise<number> {
  const response = await send(server, 'POST', path, values);
  if (!response.body) throw new FortitudeError('internal', `${server.url} sent no body`);
  let bytes = 0;
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(body, createWriteStream(file));
  return bytes;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `3600` (in `defaultUnit`), `90s`, `5m`, `24h`, `100ms` → milliseconds. */
export function parseDuration(text: string, flag: string, defaultUnit: keyof typeof UNIT_MS = 's'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) throw new FortitudeError('bad_request', `${flag}: expected a duration such as 300, 90s, 5m, 24h or 100ms (got "${text}")`);
  const unit = (match[2]?.toLowerCase() ?? defaultUnit) as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

export const formatMs = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ms`);
export const formatPct = (value: number | null | undefined, digits = 2): string => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`);
export const formatUsd = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `$${value === 0 ? '0' : value < 0.01 ? value.toPrecision(3) : value.toFixed(4)}`);
export const formatBytes = (value: number): string => {
  const abs = Math.abs(value);
  if (abs >= 1 << 30) return `${(value / (1 << 30)).toFixed(2)} GiB`;
  if (abs >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MiB`;
  if (abs >= 1 << 10) return `${(value / (1 << 10)).toFixed(1)} KiB`;
  return `${value} B`;
};
