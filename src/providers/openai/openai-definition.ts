import { openaiWire } from '../../wire/openai/openai-wire.js';
import { defineProviderKind } from '../provider-definition.js';
import { createOpenAiSimFormat } from '../simulator/formats/openai-sim.js';

/** OpenAI's Chat Completions API (https://platform.openai.com/docs/api-reference). */
export const openaiDefinition = defineProviderKind({
  kind: 'openai',
  wire: openaiWire,
  defaultBaseUrl: 'https://api.openai.com/v1',
  apiKeyEnv: ['OPENAI_API_KEY'],
  requiresApiKey: true,
  impliedByNames: ['openai'],
  capabilities: { streaming: true, embeddings: true },
  defaultModel: 'gpt-4o-mini',
  // USD per million tokens (https://openai.com/api/pricing).
  prices: {
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
  },
  simulator: { builtInName: 'openai', basePath: '/v1', createFormat: () => createOpenAiSimFormat('openai') },
});
