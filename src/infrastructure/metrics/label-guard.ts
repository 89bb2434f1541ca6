/**
 * The `highCardinalityLimit` guard. Per label name, the first `limit` distinct values pass
 * through; every later value becomes `other`, so a typo'd model name or a raw URL path cannot
 * explode the series count. Each folded value calls `onOverflow(labelName)` (counted in
 * `fortitude_metrics_label_overflow_total`).
 */

export const OVERFLOW_VALUE = 'other';

export interface LabelGuard {
  /** The value to record under `labelName`: `value` itself or `other`. */
  fold(labelName: string, value: string): string;
  /** Distinct values admitted so far per label name. */
  sizes(): Record<string, number>;
}

export function createLabelGuard(limit: number, onOverflow: (labelName: string) => void = () => {}): LabelGuard {
  const admitted = new Map<string, Set<string>>();
  return {
    fold(labelName, value) {
      let values = admitted.get(labelName);
      if (!values) admitted.set(labelName, (values = new Set()));
      if (values.has(value)) return value;
      if (values.size < limit) {
        values.add(value);
        return value;
      }
      onOverflow(labelName);
      return OVERFLOW_VALUE;
    },
    sizes() {
      return Object.fromEntries([...admitted].map(([name, values]) => [name, values.size]));
    },
  };
}
