import type { StreamPart, Usage } from '../../core/chat.js';

/**
 * Passes a stream through unchanged and reports the usage of its `finish` part once the stream
 * has ended: a streamed call is priced from the same reported usage as a non-streamed one.
 * A stream that breaks before its finish part reports nothing (its reservation is released).
 */
export async function* meterStream(parts: AsyncIterable<StreamPart>, onUsage: (usage: Usage, model: string) => void): AsyncGenerator<StreamPart> {
  for await (const part of parts) {
    if (part.type === 'finish') onUsage(part.usage, part.model);
    yield part;
  }
}
