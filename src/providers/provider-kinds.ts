import { anthropicDefinition } from './anthropic/anthropic-definition.js';
import { geminiDefinition } from './gemini/gemini-definition.js';
import { openaiCompatibleDefinition } from './openai-compatible/openai-compatible-definition.js';
import { openaiDefinition } from './openai/openai-definition.js';
import type { ProviderDefinition } from './provider-definition.js';

/**
 * The one list of provider kinds. Adding a kind is a folder under `providers/` and a line here;
 * every union, table and lookup below (and the config schema, API-key lookup, simulator and
 * built-in prices) is derived from it.
 */
export const PROVIDER_DEFINITIONS = [openaiDefinition, anthropicDefinition, geminiDefinition, openaiCompatibleDefinition] as const;

/** `openai | anthropic | gemini | openai_compatible`: the config's `kind:` values. */
export type ProviderKind = (typeof PROVIDER_DEFINITIONS)[number]['kind'];

/** The kinds in list order, as a non-empty tuple (what `z.enum` wants). */
export const PROVIDER_KINDS = PROVIDER_DEFINITIONS.map((definition) => definition.kind) as [ProviderKind, ...ProviderKind[]];

const BY_KIND = new Map<string, ProviderDefinition<ProviderKind>>(PROVIDER_DEFINITIONS.map((definition) => [definition.kind, definition]));

export function providerDefinition(kind: ProviderKind): ProviderDefinition<ProviderKind> {
  return BY_KIND.get(kind)!;
}

export function isProviderKind(value: string): value is ProviderKind {
  return BY_KIND.has(value);
}

/** Provider names that imply their kind, so the seed's `openai:`, `claude:`, `gemini:` need no `kind`. */
export const KIND_BY_NAME: Readonly<Record<string, ProviderKind>> = Object.freeze(
  Object.fromEntries(PROVIDER_DEFINITIONS.flatMap((definition) => definition.impliedByNames.map((name) => [name, definition.kind]))),
);

/** Default model per kind; config `model:` overrides it. */
export const DEFAULT_MODEL: Readonly<Record<ProviderKind, string>> = Object.freeze(
  Object.fromEntries(PROVIDER_DEFINITIONS.map((definition) => [definition.kind, definition.defaultModel])) as Record<ProviderKind, string>,
);
