import type { ModelPrice, PriceTable } from '../../providers/provider-definition.js';
import { PROVIDER_DEFINITIONS, type ProviderKind } from '../../providers/provider-kinds.js';

export type { ModelPrice, PriceTable } from '../../providers/provider-definition.js';

/**
 * Built-in prices in USD per million tokens: every provider kind's `prices`
 * (`providers/<kind>/`), matched by model-name prefix (longest wins), so dated versions
 * (`gpt-4o-mini-2024-07-18`) find their family. Config `cost_management.pricing` and
 * per-provider `pricing` override these.
 */
export const BUILT_IN_PRICES: PriceTable = Object.freeze(Object.assign({}, ...PROVIDER_DEFINITIONS.map((definition) => definition.prices)));

/**
 * What a model of a kind costs when no table lists it: the highest input and the highest output
 * price the kind lists. A new model is then never cheaper to budgets than a known one.
 */
export const KIND_CEILING_PRICES: Readonly<Record<ProviderKind, ModelPrice>> = Object.freeze(
  Object.fromEntries(PROVIDER_DEFINITIONS.map((definition) => [definition.kind, ceilingOf(definition.prices)])) as Record<ProviderKind, ModelPrice>,
);

function ceilingOf(table: PriceTable): ModelPrice {
  const prices = Object.values(table);
  return {
    input_per_million: Math.max(...prices.map((price) => price.input_per_million)),
    output_per_million: Math.max(...prices.map((price) => price.output_per_million)),
  };
}

export function findPrice(model: string, table: PriceTable): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : table[best];
}

/** Exact cost of one call from reported usage, in USD; 0 when the table has no price. */
export function costOf(model: string, usage: { inputTokens: number; outputTokens: number }, table: PriceTable): number {
  const price = findPrice(model, table);
  if (!price) return 0;
  return (usage.inputTokens * price.input_per_million + usage.outputTokens * price.output_per_million) / 1_000_000;
}
