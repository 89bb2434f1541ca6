import type { WireFormat } from '../wire-format.js';
import { createOpenAiStyleWire } from './openai-style-wire.js';

/**
 * Servers that speak the OpenAI JSON at any base URL (Ollama `http://host:11434/v1`, vLLM,
 * LM Studio, llama.cpp). The key is optional; `max_tokens` is the widely understood name;
 * streams may omit usage (then it is estimated), put usage in the finish chunk, or end
 * without `[DONE]` after a finish reason.
 */
export const openaiCompatibleWire: WireFormat = createOpenAiStyleWire({
  name: 'openai_compatible',
  requireApiKey: false,
  maxTokensField: 'max_tokens',
  embeddingEncoding: 'float',
  finishWithoutReason: 'stop',
});
