import { describe, expect, it } from 'vitest';
import { parseNetDev, parseProcessIo } from './proc-io.js';

describe('procfs parsers', () => {
  it('reads /proc/self/io', () => {
    const io = parseProcessIo('rchar: 6976\nwchar: 12\nsyscr: 10\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n');
    expect(io).toEqual({ readChars: 6976, writtenChars: 12, readBytes: 4096, writtenBytes: 8192, readSyscalls: 10, writeSyscalls: 2 });
    expect(parseProcessIo('nothing useful')).toBeUndefined();
  });

  it('reads /proc/net/dev', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 28680920   58420    0    0    0     0          0         0 28680920   58420    0    0    0     0       0          0',
      '  eth0: 333888356   11639    0    0    0     0          0         0  1005553    7777    0    0    0     0       0          0',
      '',
    ].join('\n');
    expect(parseNetDev(text)).toEqual([
      { name: 'lo', receivedBytes: 28680920, receivedPackets: 58420, transmittedBytes: 28680920, transmittedPackets: 58420 },
      { name: 'eth0', receivedBytes: 333888356, receivedPackets: 11639, transmittedBytes: 1005553, transmittedPackets: 7777 },
    ]);
  });
});
