import { anthropicWire } from '../../wire/anthropic/anthropic-wire.js';
import { defineProviderKind } from '../provider-definition.js';
import { createAnthropicSimFormat } from '../simulator/formats/anthropic-sim.js';

/** Anthropic's Messages API (https://docs.anthropic.com/en/api/messages). */
export const anthropicDefinition = defineProviderKind({
  kind: 'anthropic',
  wire: anthropicWire,
  // The Messages path (`/v1/messages`) is the wire format's, as in the official SDK.
  defaultBaseUrl: 'https://api.anthropic.com',
  apiKeyEnv: ['ANTHROPIC_API_KEY'],
  requiresApiKey: true,
  impliedByNames: ['claude', 'anthropic'],
  // The Messages API has no embeddings endpoint.
  capabilities: { streaming: true, embeddings: false },
  defaultModel: 'claude-3-5-haiku-20241022',
  // USD per million tokens (https://www.anthropic.com/pricing#api).
  prices: {
    'claude-3-5-haiku': { input_per_million: 0.8, output_per_million: 4 },
    'claude-3-haiku': { input_per_million: 0.25, output_per_million: 1.25 },
    'claude-3-5-sonnet': { input_per_million: 3, output_per_million: 15 },
    'claude-3-7-sonnet': { input_per_million: 3, output_per_million: 15 },
    'claude-3-sonnet': { input_per_million: 3, output_per_million: 15 },
    'claude-sonnet-4': { input_per_million: 3, output_per_million: 15 },
    'claude-3-opus': { input_per_million: 15, output_per_million: 75 },
    'claude-opus-4': { input_per_million: 15, output_per_million: 75 },
  },
  simulator: { builtInName: 'claude', basePath: '', createFormat: createAnthropicSimFormat },
});
