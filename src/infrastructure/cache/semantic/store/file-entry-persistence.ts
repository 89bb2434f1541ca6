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
  /** Settles when every write started so far has (never rejects: a failed write rejects its own callers only). */
  let queue: Promise<void> = Promise.resolve();
  /** The next write, still collecting lines: records appended while a write is under way go out together. */
  let collecting: { lines: string; done: Promise<void> } | undefined;
  let folderMade = false;
  const write = async (lines: string) => {
    if (!folderMade) {
      await mkdir(dirname(path), { recursive: true });
      folderMade = true;
    }
    try {
      await appendFile(path, lines);
    } catch (error) {
      // The folder was removed while running: make it again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, lines);
    }
  };
  // Writes are serialised so records land in call order; each call's promise settles when the
  // write holding its record has.
  const append = (record: LogRecord<V>) => {
    let batch = collecting;
    if (batch === undefined) {
      const next = { lines: '', done: Promise.resolve() };
      next.done = queue.then(() => {
        if (collecting === next) collecting = undefined;
        return write(next.lines);
      });
      queue = next.done.catch(() => undefined);
      collecting = batch = next;
    }
    batch.lines += `${JSON.stringify(record)}\n`;
    return batch.done;
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
