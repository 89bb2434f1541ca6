/**
 * The alternative to `bench/machine-state.ts`'s SQLite file: state held by the cluster primary
 * and reached over Node's IPC channel (what `node:cluster` workers have). Measures one request/
 * reply round trip carrying a small JSON message (a reserve's size), one and 64 in flight, and
 * the CPU it costs the worker and the primary per round trip. The primary's handler does no
 * work (an in-memory step costs ~1–4 µs on top: see `bench/machine-state.ts`).
 *
 *   node --import tsx bench/machine-state-ipc.ts
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const OPERATIONS = 20_000;

if (process.argv[2] === 'primary') {
  // Plays the primary: answers every message at once.
  process.on('message', (message: { id: number; cpu?: boolean }) => {
    if (message.cpu) {
      const used = process.cpuUsage();
      process.send!({ id: message.id, cpuUs: used.user + used.system });
      return;
    }
    process.send!({ id: message.id, granted: true, totals: [{ key: 'day:bench', spent: 1, reserved: 2 }] });
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ['primary'], { execArgv: process.execArgv, serialization: 'json' });
  const waiting = new Map<number, (reply: { cpuUs?: number }) => void>();
  child.on('message', (reply: { id: number; cpuUs?: number }) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  let nextId = 0;
  const ask = (body: object) =>
    new Promise<{ cpuUs?: number }>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, ...body });
    });
  const request = { op: 'reserve', request: { id: '3f1c2a9e-8b7d-4e6f-9a0b-1c2d3e4f5a6b', amount: 1_000_000, periods: [{ key: 'day:bench', limit: 5e9, expiresAt: Date.now() }], enforce: true, expiresAt: Date.now(), now: Date.now() } };
  for (let index = 0; index < 500; index++) await ask(request);
  for (const inFlight of [1, 64]) {
    const primaryBefore = (await ask({ cpu: true })).cpuUs!;
    const cpu = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < OPERATIONS) await ask(request);
      }),
    );
    const wallUs = ((performance.now() - started) * 1000) / OPERATIONS;
    const used = process.cpuUsage(cpu);
    const primaryUs = ((await ask({ cpu: true })).cpuUs! - primaryBefore) / OPERATIONS;
    const workerUs = (used.user + used.system) / OPERATIONS;
    console.log(`IPC round trip, ${inFlight} in flight: wall ${wallUs.toFixed(2)} µs, worker CPU ${workerUs.toFixed(2)} µs, primary CPU ${primaryUs.toFixed(2)} µs, total ${(workerUs + primaryUs).toFixed(2)} µs`);
  }
  child.kill();
}
