/**
 * The embedder port. The semantic cache calls `embed` once per lookup miss on the exact key
 * and once per stored entry; vectors must be comparable by cosine similarity.
 */
export interface Embedder {
  /** Stable identifier, part of the index file name: vectors from different embedders never mix. */
  readonly id: string;
  /** Length of every vector returned. */
  readonly dimensions: number;
  /** One vector per text, in order. Implementations return L2-normalised vectors. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Scales a vector to unit length in place (a zero vector stays zero) and returns it. */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index]! * vector[index]!;
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) vector[index]! *= scale;
  return vector;
}

/** Dot product; equals cosine similarity for unit vectors. */
export function dot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) sum += left[index]! * right[index]!;
  return sum;
}
