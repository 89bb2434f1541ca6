/**
 * Scalar int8 quantisation in the manner of Qdrant's `quantization.scalar` (`type: int8`,
 * `quantile: 0.99`): values are scaled so that the given quantile of absolute values maps to
 * 127 and the rare outliers beyond it are clipped. Qdrant computes one range per segment; vectors
 * here arrive one at a time, so each vector gets its own scale (stored beside it), which also
 * suits hashed vectors whose sparsity varies with question length.
 */

/** The `quantile` of |values| (0 < quantile ≤ 1), by partial sort of a copy. */
export function absoluteQuantile(vector: Float32Array, quantile: number): number {
  const magnitudes = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) magnitudes[index] = Math.abs(vector[index]!);
  magnitudes.sort();
  const position = Math.min(magnitudes.length - 1, Math.max(0, Math.ceil(quantile * magnitudes.length) - 1));
  return magnitudes[position] ?? 0;
}

/**
 * Writes the int8 codes of `vector` into `target` at `offset` and returns the scale that turns
 * a code back into a value (`value ≈ code * scale`).
 */
export function quantiseInto(vector: Float32Array, quantile: number, target: Int8Array, offset: number): number {
  let bound = absoluteQuantile(vector, quantile);
  if (bound === 0) {
    for (let index = 0; index < vector.length; index++) bound = Math.max(bound, Math.abs(vector[index]!));
  }
  if (bound === 0) {
    target.fill(0, offset, offset + vector.length);
    return 0;
  }
  const scale = bound / 127;
  for (let index = 0; index < vector.length; index++) {
    const code = Math.round(vector[index]! / scale);
    target[offset + index] = code > 127 ? 127 : code < -127 ? -127 : code;
  }
  return scale;
}
