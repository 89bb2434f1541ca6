import type { ChatRequest, EmbeddingRequest } from '../core/chat.js';
import type { Provider } from './provider.js';

/**
 * A provider layer that only rewrites requests on their way down (model choice, token limits):
 * `chat` applies to chat and stream requests, `embed` to embedding requests; what it leaves out
 * passes unchanged.
 */
export function rewriteRequests(rewrite: { chat?: (request: ChatRequest) => ChatRequest; embed?: (request: EmbeddingRequest) => EmbeddingRequest }) {
  const chat = rewrite.chat ?? ((request: ChatRequest) => request);
  return (inner: Provider): Provider => {
    const provider: Provider = {
      name: inner.name,
      kind: inner.kind,
      capabilities: inner.capabilities,
      simulated: inner.simulated,
      chat: (request, callOptions) => inner.chat(chat(request), callOptions),
      stream: (request, callOptions) => inner.stream(chat(request), callOptions),
      close: () => inner.close(),
    };
    const embed = inner.embed?.bind(inner);
    if (embed) {
      const rewriteEmbedding = rewrite.embed;
      provider.embed = rewriteEmbedding ? (request, callOptions) => embed(rewriteEmbedding(request), callOptions) : embed;
    }
    return provider;
  };
}
