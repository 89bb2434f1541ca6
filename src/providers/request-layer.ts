import type { ChatRequest, EmbeddingRequest } from '../core/chat.js';
import type { Provider } from './provider.js';

type Embed = NonNullable<Provider['embed']>;

/**
 * One layer of the provider stack over `inner`: the same identity (name, kind, capabilities,
 * simulated) and `close`, with this layer's `chat` and `stream`. `embed` exists only when the
 * inner provider has it; `calls.embed` wraps it (left out, embeddings pass through unchanged).
 */
export function layerOver(inner: Provider, calls: { chat: Provider['chat']; stream: Provider['stream']; embed?: (embed: Embed) => Embed }): Provider {
  const provider: Provider = {
    name: inner.name,
    kind: inner.kind,
    capabilities: inner.capabilities,
    simulated: inner.simulated,
    chat: calls.chat,
    stream: calls.stream,
    close: () => inner.close(),
  };
  const embed = inner.embed?.bind(inner);
  if (embed) provider.embed = calls.embed ? calls.embed(embed) : embed;
  return provider;
}

/**
 * A provider layer that only rewrites requests on their way down (model choice, token limits):
 * `chat` applies to chat and stream requests, `embed` to embedding requests; what it leaves out
 * passes unchanged.
 */
export function rewriteRequests(rewrite: { chat?: (request: ChatRequest) => ChatRequest; embed?: (request: EmbeddingRequest) => EmbeddingRequest }) {
  const chat = rewrite.chat ?? ((request: ChatRequest) => request);
  const rewriteEmbedding = rewrite.embed;
  return (inner: Provider): Provider =>
    layerOver(inner, {
      chat: (request, callOptions) => inner.chat(chat(request), callOptions),
      stream: (request, callOptions) => inner.stream(chat(request), callOptions),
      ...(rewriteEmbedding ? { embed: (embed: Embed): Embed => (request, callOptions) => embed(rewriteEmbedding(request), callOptions) } : {}),
    });
}
