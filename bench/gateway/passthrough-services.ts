/**
 * `HttpServices` for the gateway benchmark: `chat` translates with the real OpenAI wire format
 * and forwards through one undici Pool, with no routing, caching or retries. It isolates the
 * HTTP interface's own cost (parse, validate, translate, render); the composition root later
 * swaps in the real provider stack.
 */
import type { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import { FortitudeError } from '../../src/core/errors.js';
import type { HttpServices, RequestContext } from '../../src/interface/http/http-services.js';
import { openaiWire } from '../../src/wire/openai/openai-wire.js';

export function createPassthroughServices(upstreamUrl: string): { services: HttpServices; close(): Promise<void> } {
  const pool = new Pool(upstreamUrl, { connections: 128, keepAliveTimeout: 90_000 });
  const target = { baseUrl: `${upstreamUrl}/openai/v1`, apiKey: 'sk-bench' };
  const notHere = async (): Promise<never> => {
    throw new FortitudeError('not_implemented', 'not part of the gateway benchmark');
  };
  const services: HttpServices = {
    research: notHere,
    researchStream: () => ({
      [Symbol.asyncIterator]: () => ({ next: notHere }),
    }),
    getResult: notHere,
    searchResults: notHere,
    listResults: notHere,
    submitFeedback: notHere,
    providerStatus: notHere,
    cacheStats: notHere,
    readiness: async () => ({ ok: true, checks: {} }),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    async chat(request, context) {
      const spec = openaiWire.buildChatRequest(request, target, { stream: false });
      const started = performance.now();
      // Cancels the upstream call when the client leaves, as the provider transport does.
      const abort = new AbortHandle();
      const unsubscribe = (context as RequestContext).onAbort(() => abort.abort());
      let text: string;
      let status: number;
      try {
        const response = await pool.request({
          method: spec.method,
          path: `/openai/v1${spec.path}`,
          headers: spec.headers,
          body: spec.body,
          signal: abort as unknown as EventEmitter,
        });
        status = response.statusCode;
        text = await response.body.text();
      } finally {
        unsubscribe();
      }
      const upstreamMs = performance.now() - started;
      if (status !== 200) {
        const parsed = openaiWire.parseError(status, text);
        throw new FortitudeError('provider_error', parsed.message);
      }
      return { result: openaiWire.parseChatResponse(JSON.parse(text)), provider: 'openai', simulated: false, cache: 'miss', upstreamMs };
    },
    chatStream: notHere,
    countTokens: notHere,
    embed: notHere,
    models: async () => [{ id: 'gpt-4o-mini', owned_by: 'openai' }],
    verifyApiKey: async () => undefined,
  };
  return { services, close: () => pool.close() };
}

/** undici accepts an EventEmitter-style `signal`; this one holds a single listener. */
class AbortHandle {
  #listener: (() => void) | undefined;
  aborted = false;

  on(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}
