import { describe, expect, it } from 'vitest';
import type { ChatRequest, EmbeddingRequest } from '../core/chat.js';
import { chatRequest, collect, scriptedProvider } from '../../test/support/fake-provider.js';
import { chooseModel, withModelChoice } from './model-choice.js';
import type { Provider } from './provider.js';
import { composeProvider } from './provider-stack.js';

const options = { defaultModel: 'llama3.1', servedModels: ['qwen2.5-coder'], embeddingModel: 'nomic-embed-text' };

/** A scripted provider that remembers the models it was asked for. */
function recording() {
  const inner = scriptedProvider('local', []);
  const models: string[] = [];
  const spy: Provider = {
    ...inner,
    chat: (request: ChatRequest, callOptions) => (models.push(request.model), inner.chat(request, callOptions)),
    stream: (request: ChatRequest, callOptions) => (models.push(request.model), inner.stream(request, callOptions)),
    embed: async (request: EmbeddingRequest) => (models.push(request.model), { model: request.model, vectors: [], usage: { inputTokens: 0 } }),
  };
  return { spy, models };
}

describe('model choice', () => {
  it('keeps a model the provider serves and runs its default for any other', () => {
    expect(chooseModel(options, 'qwen2.5-coder')).toBe('qwen2.5-coder');
    expect(chooseModel(options, 'llama3.1')).toBe('llama3.1');
    expect(chooseModel(options, 'gpt-4o')).toBe('llama3.1');
    expect(chooseModel(options, 'auto')).toBe('llama3.1');
    expect(chooseModel(options, '')).toBe('llama3.1');
  });

  it('rewrites chat, stream and embedding requests as a layer of the provider stack', async () => {
    const { spy, models } = recording();
    const provider = composeProvider(spy, [withModelChoice(options)]);
    expect((await provider.chat({ ...chatRequest, model: 'gpt-4o' })).model).toBe('llama3.1');
    await provider.chat({ ...chatRequest, model: 'qwen2.5-coder' });
    await collect(provider.stream({ ...chatRequest, model: 'auto' }));
    await provider.embed!({ model: 'auto', input: ['a'] });
    await provider.embed!({ model: 'mxbai-embed-large', input: ['a'] });
    expect(models).toEqual(['llama3.1', 'qwen2.5-coder', 'llama3.1', 'nomic-embed-text', 'mxbai-embed-large']);
    expect(provider).toMatchObject({ name: 'local', kind: spy.kind, simulated: true });
  });

  it('offers embed only when the provider below does', () => {
    const provider = composeProvider(scriptedProvider('chat-only', []), [withModelChoice(options)]);
    expect(provider.embed).toBeUndefined();
  });
});
