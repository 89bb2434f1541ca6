import type { WireFormat } from '../wire-format.js';
import { createOpenAiStyleWire } from './openai-style-wire.js';

/**
 * OpenAI Chat Completions (`POST /chat/completions`, `Authorization: Bearer`) and embeddings
 * (`POST /embeddings`). The target's base URL includes `/v1`, as in the official SDK.
 */
export const openaiWire: WireFormat = createOpenAiStyleWire({
  name: 'openai',
  requireApiKey: true,
  maxTokensField: 'max_completion_tokens',
  embeddingEncoding: 'base64',
  finishWithoutReason: 'other',
});
