/**
 * The upstream for the gateway benchmark. `sim` (default for bench/gateway/run.ts): Fortitude's
 * wire-exact simulator, OpenAI path `/openai/v1/chat/completions`, Anthropic `/claude/v1/messages`,
 * at 0 ms latency unless `sim MEDIAN_MS P99_MS` (lognormal, every provider; research-miss.ts);
 * `fixed`: a minimal node:http server answering any path with one pre-serialised chat.completion
 * (cheapest possible upstream), or with an SSE stream of chunks when the body asks for
 * `"stream":true` — and, for a path ending in `/v1/messages`, the same answer in the Anthropic
 * Messages format (one pre-serialised `message`, or its SSE event sequence).
 *
 * `fixed` answers after a delay the benchmark sets between phases with
 * `POST /__bench/latency?ms=50` (0 at start), so one upstream process serves every phase.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lowerV8ThreadPriority } from '../../src/infrastructure/runtime/background-threads.js';
import { exitWhenParentLeaves } from './child-lifecycle.js';

// As the load generator's (arms.ts): its GC threads yield core 0 to the upstream's answers and the load generator.
void lowerV8ThreadPriority(10);

const kind = process.argv[2] ?? 'sim';

const FIXED = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'A mutex is owned by one thread; a semaphore counts permits.', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 24, completion_tokens: 14, total_tokens: 38 },
    system_fingerprint: null,
  }),
);

const WORDS = ['A', ' mutex', ' is', ' owned', ' by', ' one', ' thread;', ' a', ' semaphore', ' counts', ' permits.'];
function chunk(delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage === undefined ? {} : { usage }),
  })}\n\n`;
}
/** `n` words: the answer's words, repeated as often as needed. */
const wordsOf = (n: number): string[] => Array.from({ length: n }, (_, index) => WORDS[index % WORDS.length]!);
/** The SSE answer: a role chunk, one chunk per word, the finish chunk with usage, [DONE]. */
const openAiStream = (words: string[]): string[] => [
  chunk({ role: 'assistant', content: '' }, null),
  ...words.map((word) => chunk({ content: word }, null)),
  chunk({}, 'stop', { prompt_tokens: 24, completion_tokens: words.length, total_tokens: 24 + words.length }),
  'data: [DONE]\n\n',
];

const ANTHROPIC_MODEL = 'claude-3-5-haiku-20241022';
const ANTHROPIC_FIXED = Buffer.from(
  JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: ANTHROPIC_MODEL,
    content: [{ type: 'text', text: 'A mutex is owned by one thread; a semaphore counts permits.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 24, output_tokens: 14 },
  }),
);
const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
/** Anthropic's SSE sequence: message_start, one text block (a delta per word), message_delta with usage, message_stop. */
const anthropicStream = (words: string[]): string[] => [
  event('message_start', {
    message: { id: 'msg_bench', type: 'message', role: 'assistant', model: ANTHROPIC_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 24, output_tokens: 1 } },
  }),
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  event('ping', {}),
  ...words.map((word) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } })),
  event('content_block_stop', { index: 0 }),
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: words.length } }),
  event('message_stop', {}),
];

if (kind === 'fixed') {
  let latencyMs = 0;
  /** Pause between two streamed chunks, ms (`POST /__bench/stream-gap?value=1`); 0: the next turn of the event loop (most coalesce on the way). */
  let gapMs = 0;
  let streams = { openai: openAiStream(WORDS), anthropic: anthropicStream(WORDS) };
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    // Settings between phases (`setFakeUpstream` in child-process.ts): `POST /__bench/<setting>?value=N`.
    if (request.url?.startsWith('/__bench/')) {
      const url = new URL(request.url, 'http://x');
      const value = Number(url.searchParams.get('value') ?? 0);
      const setting = url.pathname.slice('/__bench/'.length);
      if (setting === 'latency') latencyMs = value;
      else if (setting === 'stream-gap') gapMs = value;
      else if (setting === 'stream-words') {
        // Streamed answers carry `value` word chunks (default 11).
        const words = wordsOf(value);
        streams = { openai: openAiStream(words), anthropic: anthropicStream(words) };
      }
      request.resume();
      response.end('ok');
      return;
    }
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const stream = Buffer.concat(parts).includes('"stream":true');
      const anthropic = request.url?.endsWith('/v1/messages') === true;
      const answer = (): void => {
        if (!stream) {
          const body = anthropic ? ANTHROPIC_FIXED : FIXED;
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
          response.end(body);
          return;
        }
        const chunks = anthropic ? streams.anthropic : streams.openai;
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let index = 0;
        const next = (): void => {
          if (response.destroyed) return;
          response.write(chunks[index++]!);
          if (index >= chunks.length) response.end();
          else if (gapMs > 0) setTimeout(next, gapMs);
          else setImmediate(next);
        };
        next();
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  exitWhenParentLeaves(async () => {
    server.closeAllConnections();
    server.close();
  });
} else {
  const { startSimulator } = await import('../../src/providers/simulator/simulator.js');
  const median = Number(process.argv[3] ?? 0);
  const p99 = Number(process.argv[4] ?? median);
  const simulator = await startSimulator({ seed: 1, profile: { latencyMs: median > 0 ? { medianMs: median, p99Ms: p99 } : 0 } });
  process.stdout.write(`READY ${simulator.url}\n`);
  exitWhenParentLeaves(() => simulator.close());
}
