import type { ChatRequest, EmbeddingRequest } from '../core/chat.js';
import { rewriteRequests } from './request-layer.js';

export interface ModelChoiceOptions {
  /** The provider's configured `model`: used when a request names none, `auto`, or a model this provider does not serve. */
  defaultModel: string;
  /** Other models the provider serves as asked (config `models:`, the cost manager's `model_selection`). */
  servedModels: readonly string[];
  /** Config `embedding_model`: used when an embedding request names none or `auto`. */
  embeddingModel?: string | undefined;
}

/**
 * The model a provider runs for a requested one. A request names a model only when the caller
 * chose one this provider serves; otherwise (empty, `auto`, or another provider's model during
 * fallback) the provider's default model answers.
 */
export function chooseModel(options: ModelChoiceOptions, requested: string): string {
  return requested === options.defaultModel || options.servedModels.includes(requested) ? requested : options.defaultModel;
}

/** Provider layer: rewrites each request's model with `chooseModel` before the stack below sees it. */
export function withModelChoice(options: ModelChoiceOptions) {
  const chat = (request: ChatRequest): ChatRequest => {
    const model = chooseModel(options, request.model);
    return model === request.model ? request : { ...request, model };
  };
  const embedding = (request: EmbeddingRequest): EmbeddingRequest =>
    request.model && request.model !== 'auto' ? request : { ...request, model: options.embeddingModel ?? request.model };

  return rewriteRequests({ chat, embed: embedding });
}
