import { FortitudeError } from '../../core/errors.js';
import type { Middleware } from './middleware.js';

/**
 * Which `Host` and `Origin` a server answers, port included. Against DNS rebinding (a web page
 * whose own name resolves to 127.0.0.1 talks to the loopback server: its requests carry the
 * page's name in `Host`) and cross-site requests (any page can POST to 127.0.0.1: the browser
 * sends the page's `Origin`). Used by the HTTP API and the MCP HTTP server.
 */

export interface HostAllowListOptions {
  /**
   * `Host` values accepted, as clients send them: `name:port`, or `name` alone for the scheme's
   * default port (80/443 behind a proxy). `*` accepts any. Empty: derived from the listen address
   * (`defaultAllowedHosts`).
   */
  allowedHosts: readonly string[];
  /**
   * `Origin` values accepted (`https://app.example.com`, port included when not the default);
   * `*` accepts any. A request from the server's own origin (Origin's host:port = an accepted
   * Host) is always accepted; requests without `Origin` (curl, SDKs) are not browser requests.
   */
  allowedOrigins: readonly string[];
}

export interface HostRefusal {
  field: 'host' | 'origin';
  message: string;
}

export interface HostAllowList {
  /** The accepted `Host` values, normalised (for messages and startup logs). */
  readonly hosts: readonly string[];
  /** Undefined when the request may proceed. */
  check(host: string | undefined, origin: string | undefined): HostRefusal | undefined;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;
const MAX_ECHOED = 200;

/**
 * The listen address with its port; on loopback also `localhost`, `127.0.0.1` and `[::1]` with
 * that port. A wildcard bind (`0.0.0.0`, `::`) is reached under names the server cannot know
 * (pod IPs, Service names, published Docker ports): any Host, and API keys are required there.
 */
export function defaultAllowedHosts(host: string, port: number): readonly string[] {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === '' || bare === '0.0.0.0' || bare === '::') return ['*'];
  const own = bare.includes(':') ? `[${bare}]` : bare;
  const names = isLoopbackName(bare) ? [...new Set<string>([...LOOPBACK_NAMES, own])] : [own];
  return names.map((name) => normaliseHost(`${name}:${port}`));
}

export function createHostAllowList(options: HostAllowListOptions): HostAllowList {
  const hosts = options.allowedHosts.map(normaliseHost);
  const anyHost = hosts.includes('*');
  const hostSet = new Set(hosts);
  const origins = options.allowedOrigins.map(normaliseOrigin);
  const anyOrigin = origins.includes('*');
  const originSet = new Set(origins);

  const hostAllowed = (host: string): boolean => anyHost || hostSet.has(host) || hostSet.has(normaliseHost(host));
  const originAllowed = (origin: string, host: string): boolean => {
    if (anyOrigin || originSet.has(origin) || isSameOrigin(origin, host)) return true;
    const normalised = normaliseOrigin(origin);
    return originSet.has(normalised) || isSameOrigin(normalised, normaliseHost(host));
  };

  return {
    hosts,
    check(host, origin) {
      if (host === undefined || host === '') {
        return { field: 'host', message: 'the request has no Host header: send the host:port you connect to' };
      }
      if (!hostAllowed(host)) {
        return {
          field: 'host',
          message:
            `Host ${quote(host)} is not allowed on this server (protection against DNS rebinding); allowed: ${hosts.join(', ')}. ` +
            'To accept it, add it with its port to server.allowed_hosts (env FORTITUDE_SERVER__ALLOWED_HOSTS).',
        };
      }
      if (origin !== undefined && !originAllowed(origin, host)) {
        return {
          field: 'origin',
          message:
            `Origin ${quote(origin)} may not call this server (protection against cross-site requests). ` +
            'To accept it, add it to server.allowed_origins, or to server.cors.origins to also let browser pages read the answers.',
        };
      }
      return undefined;
    },
  };
}

/** 403 with the way to allow the name, before any route, auth or body reading. */
export function hostCheckMiddleware(options: HostAllowListOptions): Middleware {
  let allowList: HostAllowList | undefined;
  return {
    name: 'host-check',
    listening(address) {
      allowList = createHostAllowList({
        allowedHosts: options.allowedHosts.length > 0 ? options.allowedHosts : defaultAllowedHosts(address.host, address.port),
        allowedOrigins: options.allowedOrigins,
      });
    },
    handle(exchange, next) {
      const headers = exchange.request.headers;
      const refusal = allowList?.check(headers.host, headers.origin);
      if (refusal !== undefined) throw new FortitudeError('forbidden', refusal.message, { details: { field: refusal.field } });
      return next(exchange);
    },
  };
}

/** Lower case, the default port dropped (`example.com:80` is sent as `example.com`). */
export function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.endsWith(':80') ? lower.slice(0, -3) : lower;
}

function normaliseOrigin(origin: string): string {
  if (origin === '*' || origin === 'null') return origin;
  try {
    return new URL(origin).origin;
  } catch {
    return origin.trim().toLowerCase().replace(/\/+$/, '');
  }
}

/** `Origin` is `http(s)://` + the (already accepted) Host: a page the server itself served. */
function isSameOrigin(origin: string, host: string): boolean {
  const scheme = origin.length - host.length;
  if ((scheme !== 7 && scheme !== 8) || !origin.endsWith(host)) return false;
  return scheme === 7 ? origin.startsWith('http://') : origin.startsWith('https://');
}

function isLoopbackName(bare: string): boolean {
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.') || bare.startsWith('::ffff:127.');
}

function quote(value: string): string {
  return JSON.stringify(value.length > MAX_ECHOED ? `${value.slice(0, MAX_ECHOED)}…` : value);
}
