import { anthropicWire } from '../wire/anthropic/anthropic-wire.js';
import { geminiWire } from '../wire/gemini/gemini-wire.js';
import { openaiCompatibleWire } from '../wire/openai/openai-compatible-wire.js';
import { openaiWire } from '../wire/openai/openai-wire.js';
import type { WireFormat } from '../wire/wire-format.js';
import type { ProviderCapabilities, ProviderKind } from './provider.js';

export interface ProviderKindEntry {
  kind: ProviderKind;
  wire: WireFormat;
  /** Used when the provider's config has no `base_url`; undefined means `base_url` is required. */
  defaultBaseUrl: string | undefined;
  capabilities: ProviderCapabilities;
  /** Whether a call without an API key can work (local servers). */
  requiresApiKey: boolean;
}

/**
 * The one list of provider kinds. Everything kind-specific outside `wire/` is here; the rest
 * of Fortitude asks `capabilities`.
 */
export const PROVIDER_REGISTRY = {
  openai: {
    kind: 'openai',
    wire: openaiWire,
    defaultBaseUrl: 'https://api.openai.com/v1',
    capabilities: { streaming: true, embeddings: true },
    requiresApiKey: true,
  },
  anthropic: {
    kind: 'anthropic',
    wire: anthropicWire,
    // The Messages path (`/v1/messages`) is the wire format's, as in the official SDK.
    defaultBaseUrl: 'https://api.anthropic.com',
    capabilities: { streaming: true, embeddings: false },
    requiresApiKey: true,
  },
  gemini: {
    kind: 'gemini',
    wire: geminiWire,
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    capabilities: { streaming: true, embeddings: true },
    requiresApiKey: true,
  },
  openai_compatible: {
    kind: 'openai_compatible',
    wire: openaiCompatibleWire,
    defaultBaseUrl: undefined,
    capabilities: { streaming: true, embeddings: true },
    requiresApiKey: false,
  },
} as const satisfies Record<ProviderKind, ProviderKindEntry>;

export const PROVIDER_KIND_NAMES = Object.keys(PROVIDER_REGISTRY) as ProviderKind[];

export function providerKindEntry(kind: ProviderKind): ProviderKindEntry {
  return PROVIDER_REGISTRY[kind];
}
