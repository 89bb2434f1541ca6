/**
 * The upstream for the gateway benchmark. `sim` (default): Fortitude's wire-exact simulator at
 * 0 ms latency; `fixed`: a minimal node:http server returning one pre-serialised
 * chat.completion (cheapest possible upstream). OpenAI path: `/openai/v1/chat/completions`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exitWhenParentLeaves } from './child-lifecycle.js';

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

if (kind === 'fixed') {
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': FIXED.length });
      response.end(FIXED);
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
  const simulator = await startSimulator({ seed: 1, profile: { latencyMs: 0 } });
  process.stdout.write(`READY ${simulator.url}\n`);
  exitWhenParentLeaves(() => simulator.close());
}
