import type { Usage } from '../../core/chat.js';
import type { ModelPrice, PriceTable } from './prices.js';
import { BUILT_IN_PRICES, costOf, findPrice } from './prices.js';

export interface PriceResolverOptions {
  /** Default: the built-in table. */
  builtIn?: PriceTable;
  /** `cost_management.pricing`: wins over the built-in table for every provider. */
  global?: Readonly<Record<string, ModelPrice>>;
  /** Each provider's own `pricing`: wins over both for that provider's models. */
  perProvider?: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>>;
}

export interface PriceResolver {
  /** The price of a model as served by a provider (provider optional), undefined when unpriced. */
  priceOf(model: string, provider?: string): ModelPrice | undefined;
  /** Exact cost in USD of reported usage (streams report the same usage in their finish part). */
  costOf(model: string, usage: Usage, provider?: string): number;
}

/** Layers the price tables: provider override → `cost_management.pricing` → built-in; prefix matching at each layer. */
export function createPriceResolver(options: PriceResolverOptions = {}): PriceResolver {
  const base: PriceTable = { ...(options.builtIn ?? BUILT_IN_PRICES), ...(options.global ?? {}) };
  const tables = new Map<string, PriceTable>();
  for (const [provider, table] of Object.entries(options.perProvider ?? {})) tables.set(provider, table);

  const priceOf = (model: string, provider?: string): ModelPrice | undefined => {
    const own = provider === undefined ? undefined : tables.get(provider);
    return (own && findPrice(model, own)) ?? findPrice(model, base);
  };

  return {
    priceOf,
    costOf(model, usage, provider) {
      const price = priceOf(model, provider);
      return price ? costOf(model, usage, { [model]: price }) : 0;
    },
  };
}
