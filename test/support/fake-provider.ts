import type { ChatRequest, ChatResult, StreamPart } from '../../src/core/chat.js';
import { ProviderError } from '../../src/core/errors.js';
import type { ProviderErrorClass } from '../../src/core/errors.js';
import type { CallOptions, Provider } from '../../src/providers/provider.js';

/** One scripted outcome: answer, fail before anything, or fail after `partsFirst` stream parts. */
export type Step = 'ok' | { fail: ProviderErrorClass; status?: number; retryAfterMs?: number; reason?: string; partsFirst?: number };

/**
 * A provider that follows a script, for unit tests of the decorators (the HTTP path is tested
 * against the simulator in test/providers). Records every call.
 */
export function scriptedProvider(name: string, script: Step[], fallbackStep: Step = 'ok') {
  const calls: string[] = [];
  const next = (): Step => script.shift() ?? fallbackStep;
  const error = (step: Exclude<Step, 'ok'>) =>
    new ProviderError(`${name}: scripted ${step.fail}`, {
      provider: name,
      errorClass: step.fail,
      status: step.status,
      retryAfterMs: step.retryAfterMs,
      details: step.reason ? { reason: step.reason } : undefined,
    });
  const result = (request: ChatRequest): ChatResult => ({
    id: `${name}-1`,
    model: request.model,
    text: `answer from ${name}`,
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5 },
  });
  const provider: Provider & { calls: string[] } = {
    name,
    kind: 'openai_compatible',
    capabilities: { streaming: true, embeddings: false },
    simulated: true,
    calls,
    async chat(request: ChatRequest, options?: CallOptions) {
      calls.push('chat');
      const step = next();
      if (step !== 'ok') {
        options?.trace?.attempts.push({ provider: name, outcome: step.fail, latencyMs: 0 });
        throw error(step);
      }
      options?.trace?.attempts.push({ provider: name, outcome: 'ok', latencyMs: 0 });
      if (options?.trace) options.trace.provider = name;
      return result(request);
    },
    async *stream(request: ChatRequest): AsyncGenerator<StreamPart> {
      calls.push('stream');
      const step = next();
      const parts: StreamPart[] = [
        { type: 'text', text: `${name}:a` },
        { type: 'text', text: `${name}:b` },
        { type: 'finish', id: 'x', model: request.model, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 2 } },
      ];
      if (step === 'ok') {
        yield* parts;
        return;
      }
      for (const part of parts.slice(0, step.partsFirst ?? 0)) yield part;
      throw error(step);
    },
    close: () => Promise.resolve(),
  };
  return provider;
}

export const chatRequest: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };

export async function collect(stream: AsyncIterable<StreamPart>): Promise<string[]> {
  const seen: string[] = [];
  for await (const part of stream) seen.push(part.type === 'text' ? part.text : 'finish');
  return seen;
}
