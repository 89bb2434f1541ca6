import { connect } from 'node:net';

/** Sends raw bytes on a fresh connection and resolves with everything the server wrote back. */
export function rawRequest(url: string, payload: string | Buffer, timeoutMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, timeoutMs);
    socket.on('connect', () => socket.end(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Status code of the first response in a raw HTTP reply ('' when there was none). */
export function statusOf(reply: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return match === null ? 0 : Number(match[1]);
}
