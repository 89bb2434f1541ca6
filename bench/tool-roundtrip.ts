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
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, rate: { type: 'string', default: '200' } } });
const perKind = Number(values.requests);
const rate = Number(values.rate);
const cwd = mkdtempSync(join(tmpdir(), 'fortitude-tool-roundtrip-'));
const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '0' };
for (const provider of ['OPENAI', 'CLAUDE', 'GEMINI']) {
  env[`FORTITUDE_PROVIDERS__${provider}__RATE_LIMIT__REQUESTS_PER_MINUTE`] = '100000000';
  env[`FORTITUDE_PROVIDERS__${provider}__RATE_LIMIT__TOKENS_PER_MINUTE`] = '100000000000';
}
const tsx = new URL('../node_modules/tsx/dist/esm/index.mjs', import.meta.url).pathname;
const main = new URL('../src/main.ts', import.meta.url).pathname;
const child = spawn(process.execPath, ['--import', tsx, main, 'serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let output = '';
child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no start in 60 s:\n${output}`)), 60_000);
  const poll = setInterval(() => {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) {
      clearInterval(poll);
      clearTimeout(timer);
      resolve(match[1]!);
    }
  }, 50);
});
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
process.kill(-child.pid!, 'SIGTERM');
await dispatcher.close();
