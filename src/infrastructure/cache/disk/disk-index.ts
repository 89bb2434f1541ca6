/** What the disk level knows about one file without reading it. */
export interface IndexedEntry {
  path: string;
  bytes: number;
  expiresAt: number;
}

/**
 * In-memory index of the disk level: a Map kept in least-recently-used-first order (touching
 * an entry moves it to the end) plus the running byte total the size bound is checked against.
 */
export class DiskIndex {
  readonly #entries = new Map<string, IndexedEntry>();
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): IndexedEntry | undefined {
    return this.#entries.get(key);
  }

  /** Marks `key` most recently used. */
  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  put(key: string, entry: IndexedEntry): void {
    this.remove(key);
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
  }

  remove(key: string): IndexedEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return entry;
  }

  /** The least recently used key, or undefined when empty. */
  oldest(): string | undefined {
    return this.#entries.keys().next().value;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  entries(): Array<[string, IndexedEntry]> {
    return [...this.#entries.entries()];
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
