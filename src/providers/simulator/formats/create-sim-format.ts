import { createAnthropicSimFormat } from './anthropic-sim.js';
import { createGeminiSimFormat } from './gemini-sim.js';
import { createOpenAiSimFormat } from './openai-sim.js';
import type { SimFormat, SimulatorFormat } from './sim-format.js';

export function createSimFormat(kind: SimulatorFormat): SimFormat {
  switch (kind) {
    case 'openai':
    case 'openai_compatible':
      return createOpenAiSimFormat(kind);
    case 'anthropic':
      return createAnthropicSimFormat();
    case 'gemini':
      return createGeminiSimFormat();
  }
}

/** The path under a provider's prefix that its official SDK wants as base URL. */
export function sdkBasePath(kind: SimulatorFormat): string {
  return kind === 'openai' || kind === 'openai_compatible' ? '/v1' : '';
}
