import { createServer } from 'node:net';
import { FortitudeError } from '../../core/errors.js';

/**
 * Why a server could not bind, in one line that says what to change; `undefined` when the error is
 * not a bind error.
 */
export function bindErrorMessage(error: unknown, host: string, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use — pick another with --port`;
  if (code === 'EACCES') return `port ${port} needs privileges this user lacks — pick one above 1023 with --port`;
  if (code === 'EADDRNOTAVAIL') return `address ${host} is not on this machine — pick another with --host`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `address ${host} does not resolve — pick another with --host`;
  return undefined;
}

/** `error` as the FortitudeError a user should see when it is a bind error; otherwise unchanged. */
export function asBindError(error: unknown, host: string, port: number): unknown {
  const message = bindErrorMessage(error, host, port);
  return message === undefined ? error : new FortitudeError('bad_request', message, { cause: error });
}

/**
 * Rejects with the bind error's one line when `host:port` cannot be bound right now (taken,
 * privileged, not local). `serve` checks before it builds anything or forks a worker, so a taken
 * port fails in milliseconds with one line, not once per worker after seconds of start-up.
 * Port 0 (any free port) always passes.
 */
export function assertCanBind(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error) => reject(asBindError(error, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
