/**
 * Built-in prices in USD per million tokens, matched by model-name prefix (longest wins), so
 * dated versions (`gpt-4o-mini-2024-07-18`) find their family. Config `cost_management.pricing`
 * and per-provider `pricing` override these. Unknown models cost 0 and are reported as unpriced.
 */
export interface ModelPrice {
  input_per_million: number;
  output_per_million: number;
}

export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input_per_million: 0.15, output_per_million: 0.6 },
  'gpt-4o': { input_per_million: 2.5, output_per_million: 10 },
  'gpt-4.1-nano': { input_per_million: 0.1, output_per_million: 0.4 },
  'gpt-4.1-mini': { input_per_million: 0.4, output_per_million: 1.6 },
  'gpt-4.1': { input_per_million: 2, output_per_million: 8 },
  'gpt-4-turbo': { input_per_million: 10, output_per_million: 30 },
  'gpt-4': { input_per_million: 30, output_per_million: 60 },
  'gpt-3.5-turbo': { input_per_million: 0.5, output_per_million: 1.5 },
  'text-embedding-3-small': { input_per_million: 0.02, output_per_million: 0 },
  'text-embedding-3-large': { input_per_million: 0.13, output_per_million: 0 },
  'claude-3-5-haiku': { input_per_million: 0.8, output_per_million: 4 },
  'claude-3-haiku': { input_per_million: 0.25, output_per_million: 1.25 },
  'claude-3-5-sonnet': { input_per_million: 3, output_per_million: 15 },
  'claude-3-7-sonnet': { input_per_million: 3, output_per_million: 15 },
  'claude-3-sonnet': { input_per_million: 3, output_per_million: 15 },
  'claude-sonnet-4': { input_per_million: 3, output_per_million: 15 },
  'claude-3-opus': { input_per_million: 15, output_per_million: 75 },
  'claude-opus-4': { input_per_million: 15, output_per_million: 75 },
  'gemini-2.0-flash': { input_per_million: 0.1, output_per_million: 0.4 },
  'gemini-1.5-flash': { input_per_million: 0.075, output_per_million: 0.3 },
  'gemini-1.5-pro': { input_per_million: 1.25, output_per_million: 5 },
  'gemini-2.5-flash': { input_per_million: 0.3, output_per_million: 2.5 },
  'gemini-2.5-pro': { input_per_million: 1.25, output_per_million: 10 },
};

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export function findPrice(model: string, table: PriceTable): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : table[best];
}

/** Exact cost of one call from reported usage, in USD. */
export function costOf(model: string, usage: { inputTokens: number; outputTokens: number }, table: PriceTable): number {
  const price = findPrice(model, table);
  if (!price) return 0;
  return (usage.inputTokens * price.input_per_million + usage.outputTokens * price.output_per_million) / 1_000_000;
}
