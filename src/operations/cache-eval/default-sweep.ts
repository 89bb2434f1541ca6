/** The semantic thresholds `cache eval --sweep` measures by default (apart so the CLI can show them without loading the evaluation). */
export const DEFAULT_SWEEP = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99];
