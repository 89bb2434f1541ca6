/**
 * Issue 14.1: every provider concurrency slot and budget reservation taken by a stream is given
 * back, whatever ends the stream. Against `fortitude serve` as shipped (one worker, simulated
 * providers, the seed's concurrency caps of 15 / 12 / 20), with the official `openai` SDK and
 * raw fetch: streams read to `[DONE]`, abandoned after the first chunk, aborted before the first
 * byte, and research streams abandoned mid-way. Each mode runs more streams than the caps, so one
 * leaked slot per stream would block the later ones and every call after them.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../observability/spawn-server.js';

let server: SpawnedServer;
let client: OpenAI;
const STREAMS_PER_MODE = 60;

beforeAll(async () => {
  server = await spawnServer({
    env: {
      // Request and token rates high enough never to bind: only the concurrency caps matter here.
      FORTITUDE_PROVIDERS__OPENAI__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
      FORTITUDE_PROVIDERS__OPENAI__RATE_LIMIT__TOKENS_PER_MINUTE: '1000000000',
      FORTITUDE_PROVIDERS__CLAUDE__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
      FORTITUDE_PROVIDERS__CLAUDE__RATE_LIMIT__TOKENS_PER_MINUTE: '1000000000',
      FORTITUDE_PROVIDERS__GEMINI__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
      FORTITUDE_PROVIDERS__GEMINI__RATE_LIMIT__TOKENS_PER_MINUTE: '1000000000',
      // A leaked slot makes a later call wait for the queue; fail fast instead of after 5 s.
      FORTITUDE_PROVIDERS__OPENAI__RATE_LIMIT__MAX_QUEUE_WAIT_MS: '2000',
    },
  });
  client = new OpenAI({ apiKey: 'unused-on-loopback', baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 10_000 });
}, 90_000);

afterAll(async () => {
  await server?.close();
});

interface LimiterView {
  name: string;
  rateLimit: { inFlight: number; queued: number; maxConcurrent?: number };
}

async function limiters(): Promise<LimiterView[]> {
  const response = await fetch(`${server.url}/api/providers/status`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { providers: LimiterView[] } | LimiterView[];
  return Array.isArray(body) ? body : body.providers;
}

async function reservedUsd(): Promise<number> {
  const body = (await (await fetch(`${server.url}/api/dashboard/snapshot`)).json()) as { budget: { daily: { reservedUsd: number } | null } };
  expect(body.budget.daily).not.toBeNull();
  return body.budget.daily!.reservedUsd;
}

/** Slots are released when the server notices the end; give it a moment, then demand zero. */
async function expectAllReleased(): Promise<void> {
  const deadline = Date.now() + 5_000;
  let views = await limiters();
  while (views.some((view) => view.rateLimit.inFlight > 0 || view.rateLimit.queued > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    views = await limiters();
  }
  expect(views.map((view) => [view.name, view.rateLimit.inFlight, view.rateLimit.queued])).toEqual(views.map((view) => [view.name, 0, 0]));
  // Calls draw from a leased block of headroom, released once idle (1 s) with none of its calls
  // in flight: a leaked reservation keeps it held.
  let reserved = await reservedUsd();
  while (reserved > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    reserved = await reservedUsd();
  }
  expect(reserved).toBe(0);
}

const message = (index: number) => [{ role: 'user' as const, content: `stream number ${index} about tokio tasks` }];

describe('stream slots are always released (issue 14.1)', () => {
  it('the seed caps are in force, so a leak would bind', async () => {
    const openai = (await limiters()).find((view) => view.name === 'openai');
    expect(openai?.rateLimit.maxConcurrent).toBe(15);
  });

  it(`${STREAMS_PER_MODE} SDK streams read to [DONE]`, async () => {
    for (let index = 0; index < STREAMS_PER_MODE; index++) {
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: message(index), stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    }
    await expectAllReleased();
  }, 120_000);

  it(`${STREAMS_PER_MODE} SDK streams abandoned after the first chunk`, async () => {
    for (let index = 0; index < STREAMS_PER_MODE; index++) {
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: message(index), stream: true, max_tokens: 400 });
      for await (const chunk of stream) {
        void chunk;
        break; // the SDK aborts the HTTP response
      }
    }
    await expectAllReleased();
  }, 120_000);

  it(`${STREAMS_PER_MODE} streams aborted before the first byte, ${STREAMS_PER_MODE / 2} at a time`, async () => {
    const abortOne = async (index: number) => {
      const controller = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: message(index), stream: true }),
        signal: controller.signal,
      }).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 1 + (index % 5)));
      controller.abort();
      await pending;
    };
    for (let start = 0; start < STREAMS_PER_MODE; start += STREAMS_PER_MODE / 2) {
      await Promise.all(Array.from({ length: STREAMS_PER_MODE / 2 }, (_, offset) => abortOne(start + offset)));
    }
    await expectAllReleased();
  }, 120_000);

  it('research streams abandoned after the first event', async () => {
    for (let index = 0; index < 20; index++) {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/api/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `How do I cancel a tokio task number ${index}?`, stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    await expectAllReleased();
  }, 120_000);

  it('after all of that, ordinary calls are answered at once', async () => {
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: message(1000 + index), max_tokens: 20 })),
    );
    expect(answers.every((answer) => answer.choices[0]?.message.content)).toBe(true);
    // Generous: the point is "not the 2 s queue timeout", not a latency target.
    expect(performance.now() - started).toBeLessThan(2_000 * 3);
    await expectAllReleased();
  }, 60_000);
});
