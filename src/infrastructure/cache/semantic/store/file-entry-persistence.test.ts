import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileEntryPersistence } from './file-entry-persistence.js';
import { createMemorySemanticEntryStore } from './memory-entry-store.js';
import type { SemanticEntry } from './semantic-entry-store.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

const entry = (id: string): SemanticEntry<{ text: string }> => ({
  id, key: `k-${id}`, contextKey: '["ns"]', context: { namespace: 'ns' }, question: `question ${id}`, value: { text: id },
  embedding: Float32Array.from([0.5, -0.25, 0.125]), embedderId: 'test', createdAt: 1, expiresAt: 2,
});

describe('file entry persistence', () => {
  it('replays puts and deletes, survives a torn last line, and compacts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'entries-'));
    directories.push(directory);
    const path = join(directory, 'nested', 'entries.jsonl');
    const first = createMemorySemanticEntryStore({ persistence: createFileEntryPersistence<{ text: string }>(path) });
    await first.put(entry('a'));
    await first.put(entry('b'));
    expect(await first.delete('a')).toBe(true);
    await first.close();
    appendFileSync(path, '{"op":"put","entry":{"id":"tor');

    const persistence = createFileEntryPersistence<{ text: string }>(path);
    const second = createMemorySemanticEntryStore({ persistence });
    const entries = await second.list();
    expect(entries.map((item) => item.id)).toEqual(['b']);
    expect(Array.from(entries[0]!.embedding)).toEqual([0.5, -0.25, 0.125]);
    expect((await second.get('b'))?.value).toEqual({ text: 'b' });

    await persistence.compact(entries);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('writes records appended together in call order, each call settling once its record is on disk, and makes a removed folder again', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'entries-'));
    directories.push(directory);
    const path = join(directory, 'nested', 'entries.jsonl');
    const persistence = createFileEntryPersistence<{ text: string }>(path);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const written = ids.map((id) => persistence.onPut(entry(id)));
    await written[1];
    const lines = () => readFileSync(path, 'utf8').trim().split('\n').map((line) => {
        const record = JSON.parse(line) as { op: string; id?: string; entry?: { id: string } };
        return record.op === 'put' ? record.entry!.id : `delete ${record.id!}`;
      });
    expect(lines().slice(0, 2)).toEqual(['a', 'b']);
    await Promise.all([...written, persistence.onDelete('a')]);
    expect(lines()).toEqual([...ids, 'delete a']);
    expect((await persistence.load()).map((item) => item.id)).toEqual(['b', 'c', 'd', 'e']);

    rmSync(join(directory, 'nested'), { recursive: true, force: true });
    await persistence.onPut(entry('f'));
    expect(lines()).toEqual(['f']);
    await persistence.close?.();
  });
});
