import { describe, expect, it } from 'vitest';
import { COMPRESSION_MARKER, decodeValue, encodeValue } from './compression.js';

describe('compression', () => {
  const large = JSON.stringify({ text: 'a repetitive answer. '.repeat(200) });

  it('compresses values above the threshold with the configured algorithm', async () => {
    for (const [setting, marker] of [
      [true, COMPRESSION_MARKER.gzip],
      ['gzip', COMPRESSION_MARKER.gzip],
      ['brotli', COMPRESSION_MARKER.brotli],
    ] as const) {
      const { buffer, compressed } = await encodeValue(large, { compression: setting, thresholdBytes: 1024 });
      expect(compressed).toBe(true);
      expect(buffer[0]).toBe(marker);
      expect(buffer.length).toBeLessThan(large.length / 5);
      expect(await decodeValue(buffer)).toBe(large);
    }
  });

  it('stores small, incompressible or unconfigured values raw', async () => {
    const small = await encodeValue('short', { compression: true, thresholdBytes: 1024 });
    expect(small.buffer[0]).toBe(COMPRESSION_MARKER.none);
    const off = await encodeValue(large, { compression: false, thresholdBytes: 0 });
    expect(off.compressed).toBe(false);
    const random = Buffer.from(Array.from({ length: 2000 }, (_, index) => (index * 7919) % 251)).toString('latin1');
    const noisy = await encodeValue(random, { compression: 'gzip', thresholdBytes: 10 });
    expect(await decodeValue(noisy.buffer)).toBe(random);
    expect(await decodeValue(small.buffer)).toBe('short');
  });

  it('rejects an unknown marker', async () => {
    await expect(decodeValue(Buffer.from([9, 1]))).rejects.toThrow(/marker/);
  });
});
