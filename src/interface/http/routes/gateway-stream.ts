import { performance } from 'node:perf_hooks';
import type { StreamPart } from '../../../core/chat.js';
import { ProviderError } from '../../../core/errors.js';
import type { GatewayChatStream } from '../../../pipeline/gateway.js';
import { describeError, type DescribedHttpError } from '../error-status.js';
import type { Exchange } from '../exchange.js';
import { startHeartbeat, startSse, writeFrame } from '../sse-response.js';
import type { RouteDeps } from './route-deps.js';

/** What each API renders: its opening frames, one frame per part, an in-band error. */
export interface StreamRenderer {
  start(): string;
  /** A promise when the API must finish work before the frame (the Responses API stores the response first). */
  part(part: StreamPart): string | Promise<string>;
  error(described: DescribedHttpError): string;
  /** Written when the upstream ended without a finish part (OpenAI's bare `[DONE]`). */
  endWithoutFinish?(): string;
}

/**
 * One gateway stream, whatever the API: the first part is awaited before the status line, so
 * a failure before any byte (after fallback) is an ordinary JSON error with its status; then the
 * renderer's frames, a slow reader pausing the upstream; later failures are the API's in-band
 * error. Whatever ends it (finish, a client gone, a failure), the provider's stream is closed,
 * which releases its concurrency slot and settles its budget reservation.
 */
export async function sendGatewayStream(
  deps: RouteDeps,
  exchange: Exchange,
  open: () => Promise<GatewayChatStream>,
  renderer: (opened: GatewayChatStream) => StreamRenderer,
): Promise<void> {
  const waitStart = performance.now();
  let opened: GatewayChatStream;
  let iterator: AsyncIterator<StreamPart>;
  let next: IteratorResult<StreamPart>;
  try {
    opened = await open();
    iterator = opened.stream[Symbol.asyncIterator]();
    const firstWait = performance.now();
    next = await iterator.next();
    exchange.gateway = { provider: opened.provider, cache: opened.cache, upstreamMs: (opened.upstreamMs ?? 0) + (performance.now() - firstWait), simulated: opened.simulated };
  } catch (error) {
    recordFailure(exchange, error, performance.now() - waitStart);
    throw error;
  }
  const frames = renderer(opened);
  const response = exchange.response;
  startSse(exchange);
  const stopHeartbeat = startHeartbeat(response, deps.sseHeartbeatMs);
  try {
    if (await writeFrame(response, frames.start())) {
      while (next.done !== true) {
        const part = next.value;
        const frame = frames.part(part);
        if (!(await writeFrame(response, typeof frame === 'string' ? frame : await frame))) break;
        if (part.type === 'finish') {
          // The client has everything. Reading the upstream to its end (it is at its own end
          // marker) keeps its connection reusable.
          response.end();
          do next = await iterator.next();
          while (next.done !== true);
          return;
        }
        next = await iterator.next();
      }
      if (next.done === true && frames.endWithoutFinish) await writeFrame(response, frames.endWithoutFinish());
    }
  } catch (error) {
    const described = describeError(error);
    if (described.unexpected) deps.logger.error({ err: error, requestId: exchange.requestId }, 'gateway stream failed');
    await writeFrame(response, frames.error(described));
  } finally {
    stopHeartbeat();
    await iterator.return?.().catch(() => undefined);
  }
  if (!response.writableEnded) response.end();
}

/** On failure the whole wait in the services counts as upstream, so overhead is not inflated. */
export function recordFailure(exchange: Exchange, error: unknown, waitedMs: number): void {
  exchange.gateway ??= {
    provider: error instanceof ProviderError ? error.provider : 'none',
    cache: 'miss',
    upstreamMs: waitedMs,
  };
}
