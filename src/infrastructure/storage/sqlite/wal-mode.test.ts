import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openWithWal } from './wal-mode.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Another connection (a thread of its own) holds the file's exclusive lock for `holdMs`; resolves once it holds it. */
async function holdExclusive(path: string, holdMs: number): Promise<Worker> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.driver);
     const database = new Database(workerData.path);
     database.exec('BEGIN EXCLUSIVE');
     parentPort.postMessage('held');
     setTimeout(() => { database.exec('COMMIT'); database.close(); parentPort.postMessage('released'); }, workerData.holdMs);`,
    { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, holdMs } },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  return worker;
}

describe('openWithWal', () => {
  it('waits out a lock SQLite refuses at once (no busy handler) and then switches the file to WAL', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-wal-'));
    directories.push(directory);
    const path = join(directory, 'test.db');
    new Database(path).exec('CREATE TABLE t (a)'); // a rollback-journal file, as a new one is
    const holder = await holdExclusive(path, 200);
    const database = new Database(path, { timeout: 0 }); // no busy handler: every lock request is answered at once
    try {
      expect(() => database.pragma('journal_mode = WAL')).toThrow(/locked/); // what a plain open met
      const started = Date.now();
      openWithWal(database, 5_000, ['synchronous = NORMAL']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(50);
      expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    } finally {
      database.close();
      await holder.terminate();
    }
  });

  it('gives up with the lock error once the busy timeout has passed', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-wal-'));
    directories.push(directory);
    const path = join(directory, 'test.db');
    new Database(path).exec('CREATE TABLE t (a)');
    const holder = await holdExclusive(path, 2_000);
    const database = new Database(path, { timeout: 0 });
    try {
      expect(() => openWithWal(database, 150, [])).toThrow(/locked/);
    } finally {
      database.close();
      await holder.terminate();
    }
  });
});
