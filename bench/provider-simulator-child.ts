/**
 * Runs the simulator in its own process for the provider benchmarks, so its work does not
 * share the measuring client's event loop. Prints `READY <url>` and exits when stdin closes.
 * Used by bench/provider-overhead.ts and bench/provider-failover.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../src/providers/simulator/simulator.js';

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts this file as a child process and resolves with the simulator's URL. */
export function spawnSimulator(): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator child exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+)/.exec(output);
      if (match) {
        resolve({
          url: match[1]!,
          stop: () =>
            new Promise<void>((done) => {
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.stdin.end();
            }),
        });
      }
    });
  });
}

if (process.argv.includes('--child')) {
  const simulator = await startSimulator({ seed: 1 });
  process.stdout.write(`READY ${simulator.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void simulator.close().then(() => process.exit(0));
  });
}
