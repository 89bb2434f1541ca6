import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../core/chat.js';
import { PromptTokens } from './prompt-tokens.js';

const request: ChatRequest = { model: 'a', messages: [{ role: 'user', content: 'hello there' }] };

describe('PromptTokens', () => {
  it('counts once for its messages, whatever else of the request changes', () => {
    const estimate = vi.fn(() => 42);
    const tokens = new PromptTokens(request.messages);
    expect(tokens.of(request, estimate)).toBe(42);
    expect(tokens.of({ ...request, model: 'b', maxTokens: 10 }, estimate)).toBe(42);
    expect(estimate).toHaveBeenCalledTimes(1);
  });

  it('counts other messages (a rewritten prompt) and another estimator afresh, keeping its own count', () => {
    const estimate = vi.fn((asked: ChatRequest) => asked.messages.length);
    const other = vi.fn(() => 99);
    const tokens = new PromptTokens(request.messages);
    expect(tokens.of({ ...request, messages: [...request.messages, { role: 'user', content: 'more' }] }, estimate)).toBe(2);
    expect(tokens.of(request, estimate)).toBe(1);
    expect(tokens.of(request, other)).toBe(99);
    expect(tokens.of(request, estimate)).toBe(1);
    expect(estimate).toHaveBeenCalledTimes(2);
  });
});
