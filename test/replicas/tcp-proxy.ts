/**
 * A loopback TCP proxy for outage drills and counting: `cut()` resets every connection and
 * refuses new ones (what a database or Redis restart looks like to a client), `restore()` lets
 * connections through again. `onClientData` sees every chunk the clients send.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }, options: { onClientData?(chunk: Buffer, connection: number): void } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  let connections = 0;
  const server = createServer((inbound) => {
    if (!open) {
      inbound.resetAndDestroy();
      return;
    }
    const connection = connections++;
    const outbound = connect(target.port, target.host ?? '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.on('data', (chunk: Buffer) => {
      options.onClientData?.(chunk, connection);
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    const end = () => {
      sockets.delete(inbound);
      sockets.delete(outbound);
      if (!inbound.destroyed) inbound.resetAndDestroy();
      if (!outbound.destroyed) outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return {
    port,
    cut() {
      open = false;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    async close() {
      open = false;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
