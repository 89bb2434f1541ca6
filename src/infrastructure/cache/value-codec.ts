/** Turns a strategy's values into the strings cache levels store, and back. */
export interface ValueCodec<T> {
  encode(value: T): string;
  /** Throws on a payload it cannot read; the strategy then treats the entry as a miss. */
  decode(text: string): T;
}

export const jsonCodec: ValueCodec<unknown> = {
  encode: (value) => {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('value is not JSON-serialisable');
    return text;
  },
  decode: (text) => JSON.parse(text) as unknown,
};

/**
 * Embedding vectors as base64 float32: about a third of the JSON size and no number parsing.
 * Float32 is what embedders produce and what the vector index stores.
 */
export const float32VectorCodec: ValueCodec<number[]> = {
  encode: (vector) => Buffer.from(Float32Array.from(vector).buffer).toString('base64'),
  decode: (text) => {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 4 !== 0) throw new TypeError('vector payload is not a whole number of float32s');
    // Copy out: a pooled Buffer's offset need not be 4-byte aligned.
    const aligned = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    return Array.from(new Float32Array(aligned));
  },
};
