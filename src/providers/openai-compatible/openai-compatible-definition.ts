import { openaiCompatibleWire } from '../../wire/openai/openai-compatible-wire.js';
import { defineProviderKind } from '../provider-definition.js';
import { createOpenAiSimFormat } from '../simulator/formats/openai-sim.js';

/** Servers speaking OpenAI's wire format on your own `base_url`: Ollama, vLLM, LM Studio, hosted vendors. */
export const openaiCompatibleDefinition = defineProviderKind({
  kind: 'openai_compatible',
  wire: openaiCompatibleWire,
  defaultBaseUrl: undefined,
  baseUrlExample: 'http://127.0.0.1:11434/v1 for Ollama',
  // Local servers take no key; a hosted vendor's key goes in `api_key` (or `${VAR}`).
  apiKeyEnv: [],
  requiresApiKey: false,
  impliedByNames: ['ollama', 'vllm', 'lmstudio'],
  capabilities: { streaming: true, embeddings: true },
  defaultModel: 'llama3.1',
  // The default is a self-hosted model: tokens cost nothing per call. Other models of this kind
  // are charged at the highest price listed here (also 0) and flagged at startup; a hosted
  // vendor sets its prices with the provider's `pricing:`.
  prices: {
    'llama3.1': { input_per_million: 0, output_per_million: 0 },
  },
  simulator: { builtInName: 'compat', basePath: '/v1', createFormat: () => createOpenAiSimFormat('openai_compatible') },
});
