/**
 * What a tool call adds on the gateway, measured on the path users run: `fortitude serve
 * --workers 1` with the built-in simulator (0 ms latency), the OpenAI chat API. For each kind of
 * request — plain chat (the baseline, same run), a request with tools answered by a tool call,
 * and the follow-up carrying the tool result — Fortitude's own time per request from its
 * `x-fortitude-overhead-ms` header (request in to response out, upstream wait excluded), at a
 * fixed rate.
 *
 * Run: `node --import tsx bench/tool-roundtrip.ts [--requests 2000] [--rate 200]`
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { spawnServe } from './support/spawn-serve.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, rate: { type: 'string', default: '200' } } });
const perKind = Number(values.requests);
const rate = Number(values.rate);
const server = await spawnServe({ simulatorLatencyMs: 0, label: 'tool-roundtrip' });
const url = server.url;
const dispatcher = new Agent({ connections: 64 });

const weather = { type: 'function', function: { name: 'get_weather', description: 'Get the current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const bodies = {
  'plain chat (baseline)': { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is a tokio task?' }] },
  'tools → tool call': { model: 'gpt-4o-mini', tools: [weather], messages: [{ role: 'user', content: 'Use get_weather: what is the weather in Paris?' }] },
  'tool result → answer': {
    model: 'gpt-4o-mini',
    tools: [weather],
    messages: [
      { role: 'user', content: 'Use get_weather: what is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temperature_c": 18}' },
    ],
  },
} as const;

async function measure(body: unknown): Promise<{ overhead: number[]; errors: number }> {
  const payload = JSON.stringify(body);
  const overhead: number[] = [];
  let errors = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let index = 0; index < perKind; index++) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, dispatcher })
        .then(async (response) => {
          await response.body.text();
          if (response.statusCode !== 200) errors++;
          else overhead.push(Number(response.headers['x-fortitude-overhead-ms']));
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(pending);
  return { overhead: overhead.sort((a, b) => a - b), errors };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
await measure(bodies['plain chat (baseline)']); // warm-up
console.log(`fortitude serve --workers 1, simulator 0 ms, ${perKind} requests per kind at ${rate}/s; Fortitude's own time per request (x-fortitude-overhead-ms)`);
console.log('| request | ok | errors | p50 ms | p99 ms | p99 vs plain chat |\n|---|---:|---:|---:|---:|---:|');
let baseline = NaN;
for (const [name, body] of Object.entries(bodies)) {
  const { overhead, errors } = await measure(body);
  const p99 = quantile(overhead, 0.99);
  if (Number.isNaN(baseline)) baseline = p99;
  console.log(`| ${name} | ${overhead.length} | ${errors} | ${quantile(overhead, 0.5).toFixed(3)} | ${p99.toFixed(3)} | ${(p99 - baseline >= 0 ? '+' : '') + (p99 - baseline).toFixed(3)} ms |`);
}
server.stop();
await dispatcher.close();
