import { geminiWire } from '../../wire/gemini/gemini-wire.js';
import { defineProviderKind } from '../provider-definition.js';
import { createGeminiSimFormat } from '../simulator/formats/gemini-sim.js';

/** Google's Gemini API (https://ai.google.dev/api). */
export const geminiDefinition = defineProviderKind({
  kind: 'gemini',
  wire: geminiWire,
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  apiKeyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  requiresApiKey: true,
  impliedByNames: ['gemini', 'google'],
  capabilities: { streaming: true, embeddings: true },
  defaultModel: 'gemini-2.0-flash',
  // USD per million tokens (https://ai.google.dev/gemini-api/docs/pricing).
  prices: {
    'gemini-2.0-flash': { input_per_million: 0.1, output_per_million: 0.4 },
    'gemini-1.5-flash': { input_per_million: 0.075, output_per_million: 0.3 },
    'gemini-1.5-pro': { input_per_million: 1.25, output_per_million: 5 },
    'gemini-2.5-flash': { input_per_million: 0.3, output_per_million: 2.5 },
    'gemini-2.5-pro': { input_per_million: 1.25, output_per_million: 10 },
  },
  simulator: { builtInName: 'gemini', basePath: '', createFormat: createGeminiSimFormat },
});
