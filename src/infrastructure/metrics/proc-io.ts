import { readFileSync } from 'node:fs';

/**
 * Disk and network I/O from Linux procfs, read when `/metrics` is scraped (no timer). On other
 * systems, or where procfs hides the files, the readers return undefined and the metrics are
 * simply absent.
 *
 * - `/proc/self/io` is this process's own I/O: `rchar`/`wchar` count bytes through read/write
 *   syscalls (including sockets and page cache); `read_bytes`/`write_bytes` count what reached
 *   the storage layer. See proc(5).
 * - `/proc/net/dev` is per network namespace, not per process: in a container it is the
 *   container's traffic; on a bare host, the host's.
 */

export interface ProcessIo {
  readChars: number;
  writtenChars: number;
  readBytes: number;
  writtenBytes: number;
  readSyscalls: number;
  writeSyscalls: number;
}

export interface InterfaceIo {
  name: string;
  receivedBytes: number;
  transmittedBytes: number;
  receivedPackets: number;
  transmittedPackets: number;
}

export function parseProcessIo(text: string): ProcessIo | undefined {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s*(\d+)/.exec(line);
    if (match) fields.set(match[1]!, Number(match[2]));
  }
  if (!fields.has('rchar')) return undefined;
  const field = (name: string) => fields.get(name) ?? 0;
  return {
    readChars: field('rchar'),
    writtenChars: field('wchar'),
    readBytes: field('read_bytes'),
    writtenBytes: field('write_bytes'),
    readSyscalls: field('syscr'),
    writeSyscalls: field('syscw'),
  };
}

export function parseNetDev(text: string): InterfaceIo[] {
  const interfaces: InterfaceIo[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const columns = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (columns.length < 16 || columns.some(Number.isNaN)) continue;
    interfaces.push({
      name: line.slice(0, colon).trim(),
      receivedBytes: columns[0]!,
      receivedPackets: columns[1]!,
      transmittedBytes: columns[8]!,
      transmittedPackets: columns[9]!,
    });
  }
  return interfaces;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readProcessIo(path = '/proc/self/io'): ProcessIo | undefined {
  const text = readText(path);
  return text === undefined ? undefined : parseProcessIo(text);
}

export function readNetDev(path = '/proc/net/dev'): InterfaceIo[] | undefined {
  const text = readText(path);
  return text === undefined ? undefined : parseNetDev(text);
}
