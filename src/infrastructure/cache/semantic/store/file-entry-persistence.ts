/**
 * A persistence hook for the memory entry store: an append-only JSON-lines log of puts and
 * deletes, replayed on load. Enough for a single process that must survive restarts; replicas
 * sharing entries need a store over Redis or the database instead.
 */

import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SemanticEntryPersistence } from './memory-entry-store.js';
import { deserialiseEntry, serialiseEntry, type SemanticEntry, type SerialisedSemanticEntry } from './semantic-entry-store.js';

type LogRecord<V> = { op: 'put'; entry: SerialisedSemanticEntry<V> } | { op: 'delete'; id: string };

export interface FileEntryPersistence<V> extends SemanticEntryPersistence<V> {
  /** Rewrites the log with only the live entries. */
  compact(entries: Array<SemanticEntry<V>>): Promise<void>;
}

export function createFileEntryPersistence<V>(path: string): FileEntryPersistence<V> {
  let queue: Promise<void> = Promise.resolve();
  // Appends are serialised so records land in call order.
  const append = (record: LogRecord<V>) => {
    queue = queue.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify(record)}\n`);
    });
    return queue;
  };
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries = new Map<string, SemanticEntry<V>>();
      for (const line of text.split('\n')) {
        if (line.trim().length === 0) continue;
        let record: LogRecord<V>;
        try {
          record = JSON.parse(line) as LogRecord<V>;
        } catch {
          continue; // a torn last line after a crash
        }
        if (record.op === 'put') entries.set(record.entry.id, deserialiseEntry(record.entry));
        else entries.delete(record.id);
      }
      return [...entries.values()];
    },
    onPut: (entry) => append({ op: 'put', entry: serialiseEntry(entry) }),
    onDelete: (id) => append({ op: 'delete', id }),
    async compact(entries) {
      await queue;
      const temporary = `${path}.tmp`;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, entries.map((entry) => `${JSON.stringify({ op: 'put', entry: serialiseEntry(entry) })}\n`).join(''));
      await rename(temporary, path);
    },
    async close() {
      await queue;
    },
  };
}
