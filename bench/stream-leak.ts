/**
 * Chaos check (not a timing benchmark): 10,000 streams against `fortitude serve` as shipped
 * (one worker, simulated providers, the seed's concurrency caps), every way a stream can end —
 * read to [DONE], abandoned after the first chunk, aborted before the first byte, research
 * streams abandoned mid-way — then every provider limiter and the budget ledger must be back
 * to zero and ordinary calls must still be answered.
 *
 * Run: `node --import tsx bench/stream-leak.ts [--streams 10000] [--concurrency 32]`
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { spawnServe } from './support/spawn-serve.js';

const { values } = parseArgs({ options: { streams: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '32' } } });
const total = Number(values.streams);
const concurrency = Number(values.concurrency);
const server = await spawnServe({ simulatorLatencyMs: 2, label: 'stream-leak' });
const url = server.url;
const dispatcher = new Agent({ connections: concurrency * 2 });

type Mode = 'read to [DONE]' | 'abandoned after first chunk' | 'aborted before first byte' | 'research abandoned';
const MODES: Mode[] = ['read to [DONE]', 'abandoned after first chunk', 'aborted before first byte', 'research abandoned'];
const counts = new Map<Mode, { sent: number; completed: number; errors: number }>(MODES.map((mode) => [mode, { sent: 0, completed: 0, errors: 0 }]));

async function one(index: number): Promise<void> {
  const mode = MODES[index % MODES.length]!;
  const count = counts.get(mode)!;
  count.sent++;
  const controller = new AbortController();
  const research = mode === 'research abandoned';
  const body = research
    ? JSON.stringify({ query: `How do I cancel tokio task number ${index}?`, stream: true })
    : JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 200, messages: [{ role: 'user', content: `stream ${index} about async Rust` }] });
  try {
    if (mode === 'aborted before first byte') setTimeout(() => controller.abort(), index % 3);
    const response = await request(`${url}${research ? '/api/research' : '/v1/chat/completions'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: controller.signal, dispatcher });
    if (mode === 'read to [DONE]') {
      const text = await response.body.text();
      if (text.includes('[DONE]')) count.completed++;
      else count.errors++;
      return;
    }
    for await (const chunk of response.body) {
      void chunk;
      break;
    }
    controller.abort();
    response.body.destroy();
    count.completed++;
  } catch {
    if (mode === 'aborted before first byte') count.completed++;
    else count.errors++;
  }
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) await one(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;

async function limiters(): Promise<{ name: string; rateLimit: { inFlight: number; queued: number } }[]> {
  return (await (await fetch(`${url}/api/providers/status`)).json()) as { name: string; rateLimit: { inFlight: number; queued: number } }[];
}
let views = await limiters();
for (let wait = 0; wait < 50 && views.some((view) => view.rateLimit.inFlight + view.rateLimit.queued > 0); wait++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  views = await limiters();
}
const snapshot = (await (await fetch(`${url}/api/dashboard/snapshot`)).json()) as { budget: { daily: { reservedUsd: number } | null } };
const after = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] }) });

console.log(`${total} streams in ${seconds.toFixed(1)} s, ${concurrency} at a time, fortitude serve --workers 1 (simulated providers)`);
console.log('| how the stream ended | sent | ended as intended | errors |\n|---|---|---|---|');
for (const [mode, count] of counts) console.log(`| ${mode} | ${count.sent} | ${count.completed} | ${count.errors} |`);
const leaked = views.reduce((sum, view) => sum + view.rateLimit.inFlight, 0);
console.log(`provider slots still held: ${leaked} (${views.map((view) => `${view.name} ${view.rateLimit.inFlight}`).join(', ')}); queued: ${views.reduce((sum, view) => sum + view.rateLimit.queued, 0)}`);
console.log(`budget still reserved: $${snapshot.budget.daily?.reservedUsd ?? 'n/a'}; an ordinary call afterwards: HTTP ${after.status}`);
server.stop();
await dispatcher.close();
process.exit(leaked === 0 && after.status === 200 ? 0 : 1);
