import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createProfilingService } from './profiling-service.js';
import { redactHeapSnapshot } from './redact-heap-snapshot.js';

const PROVIDER_KEY = 'provider-secret-0123456789';
const USER_KEY = 'ftd_AbCdEfGhIjKlMnOpQrStUvWxYz012345';

/** Feeds `source` in pieces of `size` bytes, so secrets straddle chunk boundaries. */
async function redacted(source: string, size: number, secrets: string[]): Promise<string> {
  const bytes = Buffer.from(source);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return text(Readable.from(chunks).pipe(redactHeapSnapshot(secrets)));
}

describe('redactHeapSnapshot', () => {
  const snapshot = `{"snapshot":{"meta":{}},\n"nodes":[1,2,\n3],\n"strings":["<dummy>",\n"${PROVIDER_KEY}",\n"Bearer ${USER_KEY}",\n"é ${PROVIDER_KEY}é",\n"plain",\n"send \\"x-api-key: <key>\\" or \\"Authorization: Bearer <key>\\""]}`;

  it('replaces configured secrets and key-shaped strings wherever chunks split them, keeping the JSON valid', async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const output = await redacted(snapshot, size, [PROVIDER_KEY, 'short']);
      expect(output, `chunks of ${size}`).not.toContain(PROVIDER_KEY);
      expect(output).not.toContain(USER_KEY);
      const parsed = JSON.parse(output) as { strings: string[] };
      expect(parsed.strings).toHaveLength(6);
      expect(parsed.strings[1]).toBe('[REDACTED]');
      expect(parsed.strings[3]).toBe('é [REDACTED]é');
      expect(parsed.strings[4]).toBe('plain');
      // A key-shaped pattern next to an escaped quote must not eat the escape.
      expect(parsed.strings[5]).toMatch(/^send "x-api-key: /);
    }
  });
});

describe('profiling service heap snapshots', () => {
  const deps = { storage: {} as never, providers: {} as never, process: { pid: 1 } };

  it('are refused unless enabled, saying how to enable them', () => {
    expect(() => createProfilingService(deps).heapSnapshot()).toThrow(/server\.heap_snapshots: true/);
    try {
      createProfilingService(deps).heapSnapshot();
    } catch (error) {
      expect(error).toMatchObject({ code: 'forbidden' });
    }
  });

  it('refuse a memory profile that a snapshot is to follow at once, before recording, when off', async () => {
    const started = performance.now();
    await expect(createProfilingService(deps).run('memory', { durationMs: 5_000, heapSnapshotAfter: true })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('server.heap_snapshots: true'),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('when enabled, stream a snapshot of this process without the configured secrets', async () => {
    const secret = `configured-${'x'.repeat(8)}-${process.pid}`;
    const holder = { secret: `${secret}` };
    const output = await text(createProfilingService({ ...deps, heapSnapshots: { redact: [secret] } }).heapSnapshot());
    expect(holder.secret).toBe(secret);
    expect(output.startsWith('{"snapshot"')).toBe(true);
    expect(output).not.toContain(secret);
    expect(output).toContain('[REDACTED]');
  }, 30_000);
});
