import { describe, expect, it } from 'vitest';
import { float32VectorCodec, jsonCodec } from './value-codec.js';

describe('value codecs', () => {
  it('round-trips float32 vectors, including from unaligned buffers', () => {
    const vector = [0.5, -2, 1024.25, 0];
    const text = float32VectorCodec.encode(vector);
    expect(float32VectorCodec.decode(text)).toEqual(vector);
    // Decode many times so some decodes land on pooled, unaligned Buffer slices.
    for (let index = 0; index < 50; index++) expect(float32VectorCodec.decode(` ${text}`.trim())).toEqual(vector);
    expect(() => float32VectorCodec.decode('AAA=')).toThrow(/float32/);
  });

  it('rejects values JSON cannot represent', () => {
    expect(() => jsonCodec.encode(undefined)).toThrow(TypeError);
    expect(jsonCodec.decode(jsonCodec.encode({ a: [1, 'b'] }))).toEqual({ a: [1, 'b'] });
  });
});
