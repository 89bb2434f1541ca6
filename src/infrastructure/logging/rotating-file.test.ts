import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRotatingFile } from './rotating-file.js';

const line = (index: number) => `${JSON.stringify({ index, padding: 'x'.repeat(80) })}\n`;

function linesIn(directory: string): number[] {
  const indexes: number[] = [];
  for (const name of readdirSync(directory)) {
    if (!name.startsWith('app.log') || name.endsWith('.lock')) continue;
    const raw = readFileSync(join(directory, name));
    const text = name.endsWith('.gz') ? gunzipSync(raw).toString() : raw.toString();
    for (const entry of text.split('\n').filter(Boolean)) indexes.push((JSON.parse(entry) as { index: number }).index);
  }
  return indexes.sort((a, b) => a - b);
}

describe('rotating log file', () => {
  it('writes the file, rotates it past max size, keeps max_files generations, gzips from the second', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-rotate-'));
    const path = join(directory, 'logs', 'app.log');
    const file = createRotatingFile(path, { maxSizeBytes: 1024, maxFiles: 3, compress: true }, { sync: true });
    // Written in bursts with pauses, as a server logs: a gzip runs between rotations. (While one
    // runs its lock defers the next rotation and the file grows past the limit: on a loaded CI
    // machine a 30 ms pause did not always cover the gzip, so each pause also waits for it.)
    for (let index = 0; index < 200; index++) {
      file.write(line(index));
      if (index % 10 === 9) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (const until = Date.now() + 5_000; existsSync(`${path}.lock`) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    file.close();
    // The last gzip runs in the background: up to 10 s on a loaded machine (200 ms fixed was not always enough in CI).
    const expected = ['app.log', 'app.log.1', 'app.log.2.gz', 'app.log.3.gz'];
    let names: string[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 50))) {
      names = readdirSync(join(directory, 'logs')).sort();
      if (names.join() === expected.join()) break;
    }
    expect(names).toEqual(expected);
    // No file grows far past the limit (one check interval = 1/8 of it, plus one line).
    expect(readFileSync(path).length).toBeLessThan(1024 + 128 + 100);
    // The newest lines are kept, in order, without gaps; older generations were deleted.
    const kept = linesIn(join(directory, 'logs'));
    expect(kept.at(-1)).toBe(199);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, offset) => 200 - kept.length + offset));
    expect(kept.length).toBeLessThan(200);
  });

  it('without compress keeps plain files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-rotate-'));
    const file = createRotatingFile(join(directory, 'app.log'), { maxSizeBytes: 1024, maxFiles: 2, compress: false }, { sync: true });
    for (let index = 0; index < 100; index++) file.write(line(index));
    file.close();
    expect(readdirSync(directory).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
  });

  it('two writers on one path (cluster workers): after one rotates the other follows; no line is lost', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-rotate-'));
    const path = join(directory, 'app.log');
    const first = createRotatingFile(path, { maxSizeBytes: 2048, maxFiles: 50, compress: false }, { sync: true });
    const second = createRotatingFile(path, { maxSizeBytes: 2048, maxFiles: 50, compress: false }, { sync: true });
    for (let index = 0; index < 300; index++) {
      (index % 2 === 0 ? first : second).write(line(index));
      if (index % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    first.close();
    second.close();
    expect(linesIn(directory)).toEqual(Array.from({ length: 300 }, (_, index) => index));
    expect(readdirSync(directory).filter((name) => name.startsWith('app.log.')).length).toBeGreaterThan(5);
  });
});
