import type { StreamPart } from '../../../src/core/chat.js';
import { PROVIDER_DEFINITIONS, type ProviderKind } from '../../../src/providers/provider-kinds.js';

/** The simulator's built-in providers, one per kind, each with a fake key the tests look for in errors. */
export const SIMULATED_KINDS: readonly { name: string; kind: ProviderKind; apiKey: string }[] = PROVIDER_DEFINITIONS.map((definition) => ({
  name: definition.simulator.builtInName,
  kind: definition.kind,
  apiKey: `test-${definition.kind}-SECRET-0123456789abcdef`,
}));

export const question = { model: 'sim-model', messages: [{ role: 'user' as const, content: 'How do I cancel a tokio task cleanly?' }], maxTokens: 64 };

export interface Collected {
  parts: StreamPart[];
  text: string;
  error?: unknown;
}

/** Drains a stream, keeping what arrived before any error. */
export async function drain(stream: AsyncIterable<StreamPart>): Promise<Collected> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, text: textOf(parts) };
  } catch (error) {
    return { parts, text: textOf(parts), error };
  }
}

function textOf(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Settles a promise into its value or its error. */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
