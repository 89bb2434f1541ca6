import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ENGINES } from './engines.js';
import type { EngineHarness } from './engines.js';

const CHILD = fileURLToPath(new URL('./fixtures/insert-then-hang.ts', import.meta.url));

/** Runs the child, SIGKILLs it the moment it prints the committed id, and returns that id. */
function insertAndKill(options: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let id: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n');
      if (id === undefined && line.length > 1) {
        id = line[0]!.trim();
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (id !== undefined && signal === 'SIGKILL') resolve(id);
      else reject(new Error(`child exited (code ${code}, signal ${signal}) without printing an id: ${stderr}`));
    });
  });
}

describe.each(ENGINES)('durability on %s', (engine) => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = createHarness(engine);
    const storage = await harness.open();
    await storage.migrate();
    await storage.close();
  });

  afterAll(async () => {
    await harness?.destroy();
  });

  it('keeps a write committed by a process killed right after the commit returned', async () => {
    const id = await insertAndKill(harness.options);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const reopened = await harness.open();
    try {
      expect(await reopened.researchResults.getById(id)).toMatchObject({ id, query: 'survives SIGKILL', provider: 'durability' });
    } finally {
      await reopened.close();
    }
  });
});
