/**
 * In-memory `SemanticEntryStore` with an optional persistence hook: `load` seeds it on the first
 * `list()`, and every put/delete is forwarded (awaited, so a failing hook fails the write).
 */

import type { SemanticEntry, SemanticEntryStore } from './semantic-entry-store.js';

export interface SemanticEntryPersistence<V> {
  load(): Promise<Array<SemanticEntry<V>>>;
  onPut(entry: SemanticEntry<V>): Promise<void>;
  onDelete(id: string): Promise<void>;
  close?(): Promise<void>;
}

export interface MemoryEntryStoreOptions<V> {
  persistence?: SemanticEntryPersistence<V>;
}

export function createMemorySemanticEntryStore<V>(options: MemoryEntryStoreOptions<V> = {}): SemanticEntryStore<V> {
  const entries = new Map<string, SemanticEntry<V>>();
  const { persistence } = options;
  let loaded: Promise<void> | undefined;
  const ensureLoaded = () => {
    loaded ??= (async () => {
      if (!persistence) return;
      for (const entry of await persistence.load()) entries.set(entry.id, entry);
    })();
    return loaded;
  };
  return {
    async get(id) {
      if (persistence) await ensureLoaded();
      return entries.get(id);
    },
    async put(entry) {
      if (persistence) {
        await ensureLoaded();
        await persistence.onPut(entry);
      }
      entries.set(entry.id, entry);
    },
    async delete(id) {
      if (persistence) await ensureLoaded();
      const existed = entries.delete(id);
      if (existed && persistence) await persistence.onDelete(id);
      return existed;
    },
    async list() {
      await ensureLoaded();
      return [...entries.values()];
    },
    async close() {
      entries.clear();
      await persistence?.close?.();
    },
  };
}
