import type { WireFormat } from '../wire/wire-format.js';
import type { ProviderCapabilities } from './provider.js';
import type { SimFormat } from './simulator/formats/sim-format.js';

/** A model's price in USD per million tokens (the shape of config `pricing:` entries too). */
export interface ModelPrice {
  input_per_million: number;
  output_per_million: number;
}

/** Prices by model name; a key also prices every model it prefixes (`gpt-4o-mini-2024-07-18`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Where a kind's requests go when the provider's config has no `base_url`. */
type BaseUrl =
  | { readonly defaultBaseUrl: string }
  /** No public endpoint (local servers): config must give `base_url`; the example goes in the error. */
  | { readonly defaultBaseUrl: undefined; readonly baseUrlExample: string };

/**
 * Everything Fortitude knows about one provider kind. One per folder (`providers/<kind>/`), all
 * of them in `provider-kinds.ts`; the config schema, API-key lookup, simulator and price tables
 * are derived from that list, so nothing else names a kind.
 */
export type ProviderDefinition<Kind extends string = string> = BaseUrl & {
  /** The config's `kind:` value. */
  readonly kind: Kind;
  /** The pure translator in `wire/<format>/` (several kinds may share one). */
  readonly wire: WireFormat;
  /** Environment variables read, in order, when the provider's config has no `api_key`. */
  readonly apiKeyEnv: readonly string[];
  /** False for local servers: without a key the provider still calls its `base_url` (never the simulator). */
  readonly requiresApiKey: boolean;
  /** Provider names that imply this kind, so `claude:` needs no `kind: anthropic`. */
  readonly impliedByNames: readonly string[];
  readonly capabilities: ProviderCapabilities;
  /** Used when the provider's config has no `model:`. Must be priced by `prices`. */
  readonly defaultModel: string;
  /**
   * Built-in prices of the kind's models. Config `pricing:` overrides them; a model of this kind
   * with no entry is charged at the highest listed input and output prices, never at 0.
   */
  readonly prices: PriceTable;
  readonly simulator: {
    /** The built-in simulated provider's name (`fortitude simulator`, tests). */
    readonly builtInName: string;
    /** Path under the simulated provider's prefix that the official SDK wants as base URL. */
    readonly basePath: string;
    /** The server side of the wire format, as the built-in simulator speaks it. */
    createFormat(): SimFormat;
  };
};

/** Model names priced by a table: a key, or a key followed by anything (a dated version). */
type PricedModel<Prices extends PriceTable> = `${Extract<keyof Prices, string>}${string}`;

/**
 * Declares a kind. The compiler checks what a forgotten price would otherwise hide: `prices` is
 * required and `defaultModel` must be one of its keys or start with one.
 */
export function defineProviderKind<const Kind extends string, const Prices extends PriceTable>(
  definition: ProviderDefinition<Kind> & { readonly prices: Prices; readonly defaultModel: NoInfer<PricedModel<Prices>> },
): ProviderDefinition<Kind> {
  return Object.freeze(definition);
}
