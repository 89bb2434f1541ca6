import type { Usage } from '../../core/chat.js';
import type { ProviderKind } from '../../providers/provider-kinds.js';
import type { ModelPrice, PriceTable } from './prices.js';
import { BUILT_IN_PRICES, KIND_CEILING_PRICES, findPrice } from './prices.js';

/** A model of a known kind that no table prices, and what it is charged instead. */
export interface UnlistedModel {
  provider: string;
  model: string;
  kind: ProviderKind;
  /** The kind's ceiling (`KIND_CEILING_PRICES`). */
  chargedAt: ModelPrice;
}

export interface PriceResolverOptions {
  /** Default: the built-in table. */
  builtIn?: PriceTable;
  /** `cost_management.pricing`: wins over the built-in table for every provider. */
  global?: Readonly<Record<string, ModelPrice>>;
  /** Each provider's own `pricing`: wins over both for that provider's models. */
  perProvider?: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>>;
  /**
   * Each provider's kind. A model no table prices, served by a provider of a known kind, is
   * charged at the kind's ceiling rather than nothing; without a kind it stays unpriced.
   */
  providerKinds?: Readonly<Record<string, ProviderKind>>;
  /** Called once per provider and model charged at its kind's ceiling (the operator should add `pricing:`). */
  onUnlistedModel?: (unlisted: UnlistedModel) => void;
}

/** Where a price came from: a table, or the ceiling of the provider's kind for an unlisted model. */
export interface PriceQuote {
  price: ModelPrice;
  basis: 'listed' | 'kind_ceiling';
}

export interface PriceResolver {
  /** The price of a model as served by a provider (provider optional), undefined when unpriced. */
  priceOf(model: string, provider?: string): ModelPrice | undefined;
  /** As `priceOf`, saying whether the price was listed or is the kind's ceiling. */
  quote(model: string, provider?: string): PriceQuote | undefined;
  /** Exact cost in USD of reported usage (streams report the same usage in their finish part). */
  costOf(model: string, usage: Usage, provider?: string): number;
}

const MAX_REPORTED = 1_000;
/** (provider, model) quotes remembered; the memo starts over past this. */
const MAX_MEMO = 4_096;

/**
 * Layers the price tables: provider override → `cost_management.pricing` → built-in, prefix
 * matching at each layer; then, for a provider of a known kind, the kind's ceiling.
 */
export function createPriceResolver(options: PriceResolverOptions = {}): PriceResolver {
  const base: PriceTable = { ...(options.builtIn ?? BUILT_IN_PRICES), ...(options.global ?? {}) };
  const tables = new Map<string, PriceTable>();
  for (const [provider, table] of Object.entries(options.perProvider ?? {})) tables.set(provider, table);
  const reported = new Set<string>();

  const quote = (model: string, provider?: string): PriceQuote | undefined => {
    const own = provider === undefined ? undefined : tables.get(provider);
    const listed = (own && findPrice(model, own)) ?? findPrice(model, base);
    if (listed) return { price: listed, basis: 'listed' };
    const kind = provider === undefined ? undefined : options.providerKinds?.[provider];
    if (provider === undefined || kind === undefined) return undefined;
    const chargedAt = KIND_CEILING_PRICES[kind];
    const key = `${provider}\u0000${model}`;
    // Reported once per provider and model; the cap bounds memory if a provider reports endless names.
    if (reported.size < MAX_REPORTED && !reported.has(key)) {
      reported.add(key);
      options.onUnlistedModel?.({ provider, model, kind, chargedAt });
    }
    return { price: chargedAt, basis: 'kind_ceiling' };
  };

  // The tables never change after construction, so a (provider, model) pair is looked up once:
  // every provider call prices each candidate and its answer (a prefix match scans the table).
  // Bounded, as model names come from upstream answers too.
  const memo = new Map<string | undefined, Map<string, PriceQuote | null>>();
  let memoSize = 0;
  const memoQuote = (model: string, provider?: string): PriceQuote | undefined => {
    let byModel = memo.get(provider);
    const known = byModel?.get(model);
    if (known !== undefined) return known ?? undefined;
    const computed = quote(model, provider);
    if (memoSize >= MAX_MEMO) {
      memo.clear();
      memoSize = 0;
      byModel = undefined;
    }
    if (byModel === undefined) memo.set(provider, (byModel = new Map()));
    byModel.set(model, computed ?? null);
    memoSize += 1;
    return computed;
  };

  const priceOf = (model: string, provider?: string): ModelPrice | undefined => memoQuote(model, provider)?.price;

  return {
    priceOf,
    quote: memoQuote,
    costOf(model, usage, provider) {
      const price = priceOf(model, provider);
      return price ? (usage.inputTokens * price.input_per_million + usage.outputTokens * price.output_per_million) / 1_000_000 : 0;
    },
  };
}
