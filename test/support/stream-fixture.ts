import { readFileSync } from 'node:fs';
import type { ChatRequest, StreamPart } from '../../src/core/chat.js';
import { createSseParser } from '../../src/wire/sse.js';
import type { WireFormat } from '../../src/wire/wire-format.js';

/** Test helper: reads a fixture file next to the calling test (pass `import.meta.url`). */
export function readFixture(base: string, name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, base), 'utf8');
}

/**
 * Test helper: runs SSE text through the parser and a wire's decoder exactly as the transport
 * does (feed chunks, flush, end), returning every part or throwing what the decoder throws.
 */
export function decodeStream(wire: WireFormat, request: ChatRequest, chunks: readonly string[]): StreamPart[] {
  const parser = createSseParser();
  const decoder = wire.createStreamDecoder(request);
  const parts: StreamPart[] = [];
  for (const chunk of chunks) for (const event of parser.feed(chunk)) parts.push(...decoder.push(event));
  for (const event of parser.flush()) parts.push(...decoder.push(event));
  parts.push(...decoder.end());
  return parts;
}

/** Joins the text parts of a decoded stream. */
export function streamText(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
