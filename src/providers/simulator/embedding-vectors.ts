import { hashString } from './seeded-random.js';

/**
 * Deterministic embeddings by feature hashing: every lower-cased word adds ±1 at a hashed
 * position, then the vector is L2-normalised. Texts that share words get a high cosine
 * similarity and unrelated texts a low one, so semantic-cache tests behave sensibly.
 */
export function embedText(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  for (const word of words) {
    const hash = hashString(word);
    const index = hash % dimensions;
    vector[index] = (vector[index] ?? 0) + ((hash & 0x80000000) === 0 ? 1 : -1);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}
