/**
 * Simulator throughput: non-stream OpenAI chat completions at 0 ms latency, against a bare
 * `node:http` hello-world server measured in the same run (and a bare server sending a
 * pre-serialised body of the same size, to separate HTTP cost from answer cost). The servers
 * run in a child process so the load generator (an undici Pool loop) does not share their
 * event loop. Cases run in interleaved rounds and report medians, because a shared 2-core
 * machine is noisy. Loopback only, bounded (~40 s).
 *
 *   node --import tsx bench/simulator.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { startSimulator } from '../src/providers/simulator/simulator.js';

const ROUNDS = 4;
const DURATION_S = 2;
const WARMUP_S = 1;
const CONNECTIONS = 32;
const QUESTION = 'How do I tune connection pooling for PostgreSQL in a Rust service?';

interface Urls {
  hello: string;
  sized: string;
  simulator: string;
}

/** Child: the three servers. */
async function serve(): Promise<void> {
  const simulator = await startSimulator();
  const chatUrl = `${simulator.baseUrlFor('openai')}/chat/completions`;
  const sample = await fetch(chatUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] }),
  });
  const sizedBody = await sample.text();
  const listen = (handler: Parameters<typeof createServer>[1]) =>
    new Promise<string>((resolve) => {
      const server = createServer({ keepAliveTimeout: 65_000 }, handler);
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
    });
  const hello = await listen((request, response) => {
    request.resume();
    request.on('end', () => response.end('hello world'));
  });
  const sized = await listen((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(sizedBody);
    });
  });
  process.send?.({ hello, sized, simulator: chatUrl, bodyBytes: Buffer.byteLength(sizedBody) });
}

interface Row {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CONNECTIONS concurrent request loops over one undici Pool for `seconds`. */
async function load(label: string, url: string, bodyFor: (index: number) => string, seconds: number): Promise<Row> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONNECTIONS, pipelining: 1 });
  let index = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      const response = await pool.request({ path: target.pathname, method: 'POST', headers: HEADERS, body: bodyFor(index++) });
      await response.body.arrayBuffer();
      latencies.push(performance.now() - sent);
      if (response.statusCode !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { label, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), total: latencies.length, errors };
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer bench' };

async function main(): Promise<void> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: process.execArgv });
  const urls = await new Promise<Urls & { bodyBytes: number }>((resolve) =>
    child.once('message', (message) => resolve(message as Urls & { bodyBytes: number })),
  );
  try {
    const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] });
    const same = () => chatBody;
    const unique = (index: number) =>
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${QUESTION} (variant ${index})` }] });
    const cases: [string, string, (index: number) => string][] = [
      ['bare node:http hello world (baseline)', urls.hello, same],
      [`bare node:http, same ${urls.bodyBytes}-byte JSON body`, urls.sized, same],
      ['simulator, OpenAI chat, same question', urls.simulator, same],
      ['simulator, OpenAI chat, unique questions', urls.simulator, unique],
    ];
    for (const [label, url, body] of cases) await load(label, url, body, WARMUP_S);
    // Cases interleave round by round, so a burst of load from elsewhere hits all of them.
    const rounds: Row[][] = cases.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [label, url, body]] of cases.entries()) rounds[index]?.push(await load(label, url, body, DURATION_S));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const ratios = rounds.map((rows) => rows.map((row, round) => row.rps / (rounds[0]?.[round]?.rps ?? Number.NaN)));
    console.log(
      `\nSimulator throughput (undici Pool, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${DURATION_S} s per case, medians; Node ${process.version}; servers in a child process)\n`,
    );
    console.log('| case | req/s (median) | req/s range | ratio vs hello world (median of rounds) | p50 ms | p99 ms | requests | non-200 |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [index, rows] of rounds.entries()) {
      const rps = rows.map((row) => row.rps);
      const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
      console.log(
        `| ${rows[0]?.label} | ${fmt(median(rps))} | ${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))} | ${median(ratios[index] ?? []).toFixed(2)} | ${median(rows.map((row) => row.p50)).toFixed(2)} | ${median(rows.map((row) => row.p99)).toFixed(2)} | ${rows.reduce((sum, row) => sum + row.total, 0).toLocaleString('en-US')} | ${rows.reduce((sum, row) => sum + row.errors, 0)} |`,
      );
    }
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
