/**
 * One vector index per cache partition (context key), so a search can only ever see entries of
 * the same tenant namespace and answer-changing context. Maps entry ids to the integer labels
 * hnswlib needs, and persists/reloads every partition with a manifest of those labels.
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VectorIndex, type VectorIndexMemory, type VectorIndexOptions } from './vector-index.js';

export interface IndexedVector {
  id: string;
  contextKey: string;
  vector: Float32Array;
}

export interface PartitionMatch {
  id: string;
  similarity: number;
}

interface Partition {
  index: VectorIndex;
  idOfLabel: Map<number, string>;
}

interface Manifest {
  format: 1;
  embedderId: string;
  partitions: Array<{ contextKey: string; file: string; labels: Array<[number, string]> }>;
}

const fileNameOf = (embedderId: string, contextKey: string) =>
  `${embedderId.replace(/[^\w.-]/g, '_')}-${createHash('sha256').update(contextKey).digest('hex').slice(0, 16)}.hnsw`;

export class PartitionedIndex {
  private readonly partitions = new Map<string, Partition>();
  private readonly located = new Map<string, { contextKey: string; label: number }>();
  private nextLabel = 0;

  constructor(private readonly options: VectorIndexOptions) {}

  get size(): number {
    return this.located.size;
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  has(id: string): boolean {
    return this.located.has(id);
  }

  add(item: IndexedVector): void {
    this.remove(item.id);
    const partition = this.partitionFor(item.contextKey);
    const label = this.nextLabel++;
    partition.index.add(label, item.vector);
    partition.idOfLabel.set(label, item.id);
    this.located.set(item.id, { contextKey: item.contextKey, label });
  }

  remove(id: string): boolean {
    const location = this.located.get(id);
    if (!location) return false;
    const partition = this.partitions.get(location.contextKey)!;
    partition.index.remove(location.label);
    partition.idOfLabel.delete(location.label);
    this.located.delete(id);
    if (partition.index.size === 0) {
      partition.index.close();
      this.partitions.delete(location.contextKey);
    }
    return true;
  }

  /** Nearest entries of one partition, best first. */
  search(contextKey: string, vector: Float32Array, k: number): PartitionMatch[] {
    const partition = this.partitions.get(contextKey);
    if (!partition) return [];
    return partition.index.search(vector, k).map((match) => ({ id: partition.idOfLabel.get(match.label)!, similarity: match.similarity }));
  }

  /** Exact scan of one partition whatever its size (for measurement). */
  searchExact(contextKey: string, vector: Float32Array, k: number): PartitionMatch[] {
    const partition = this.partitions.get(contextKey);
    if (!partition) return [];
    return partition.index.searchExact(vector, k).map((match) => ({ id: partition.idOfLabel.get(match.label)!, similarity: match.similarity }));
  }

  /** HNSW search of one partition whatever its size (for measurement). */
  searchGraph(contextKey: string, vector: Float32Array, k: number): PartitionMatch[] {
    const partition = this.partitions.get(contextKey);
    if (!partition) return [];
    return partition.index.searchGraph(vector, k).map((match) => ({ id: partition.idOfLabel.get(match.label)!, similarity: match.similarity }));
  }

  memory(): VectorIndexMemory {
    const total: VectorIndexMemory = { float32Bytes: 0, int8Bytes: 0, graphBytes: 0 };
    for (const { index } of this.partitions.values()) {
      const memory = index.memory();
      total.float32Bytes += memory.float32Bytes;
      total.int8Bytes += memory.int8Bytes;
      total.graphBytes += memory.graphBytes;
    }
    return total;
  }

  /** Writes every partition's graph and a manifest of labels to `directory`. */
  async write(directory: string, embedderId: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    const manifest: Manifest = { format: 1, embedderId, partitions: [] };
    for (const [contextKey, partition] of this.partitions) {
      const file = fileNameOf(embedderId, contextKey);
      await partition.index.writeIndex(join(directory, file));
      manifest.partitions.push({ contextKey, file, labels: [...partition.idOfLabel] });
    }
    await writeFile(join(directory, manifestName(embedderId)), JSON.stringify(manifest));
  }

  /**
   * Builds the index for `items`: partitions whose written graph holds exactly these ids are
   * read from `directory`, the rest are rebuilt by inserting. Returns how many were loaded.
   */
  async load(items: IndexedVector[], directory: string | undefined, embedderId: string): Promise<{ loaded: number; rebuilt: number }> {
    const byContext = new Map<string, IndexedVector[]>();
    for (const item of items) byContext.set(item.contextKey, [...(byContext.get(item.contextKey) ?? []), item]);
    const manifest = directory ? await readManifest(join(directory, manifestName(embedderId))) : undefined;
    let loaded = 0;
    let rebuilt = 0;
    for (const [contextKey, group] of byContext) {
      const written = manifest?.embedderId === embedderId ? manifest.partitions.find((entry) => entry.contextKey === contextKey) : undefined;
      if (written && directory && (await this.tryLoadPartition(contextKey, group, written, directory))) {
        loaded += group.length;
        continue;
      }
      for (const item of group) this.add(item);
      rebuilt += group.length;
    }
    return { loaded, rebuilt };
  }

  close(): void {
    for (const { index } of this.partitions.values()) index.close();
    this.partitions.clear();
    this.located.clear();
  }

  private async tryLoadPartition(
    contextKey: string,
    group: IndexedVector[],
    written: Manifest['partitions'][number],
    directory: string,
  ): Promise<boolean> {
    const vectorOfId = new Map(group.map((item) => [item.id, item.vector]));
    if (written.labels.length !== group.length || !written.labels.every(([, id]) => vectorOfId.has(id))) return false;
    const vectors = new Map(written.labels.map(([label, id]) => [label, vectorOfId.get(id)!]));
    const index = await VectorIndex.readIndex(join(directory, written.file), vectors, this.options);
    if (!index) return false;
    const idOfLabel = new Map(written.labels);
    this.partitions.set(contextKey, { index, idOfLabel });
    for (const [label, id] of written.labels) {
      this.located.set(id, { contextKey, label });
      this.nextLabel = Math.max(this.nextLabel, label + 1);
    }
    return true;
  }

  private partitionFor(contextKey: string): Partition {
    let partition = this.partitions.get(contextKey);
    if (!partition) {
      partition = { index: new VectorIndex(this.options), idOfLabel: new Map() };
      this.partitions.set(contextKey, partition);
    }
    return partition;
  }
}

const manifestName = (embedderId: string) => `${embedderId.replace(/[^\w.-]/g, '_')}-manifest.json`;

async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Manifest;
    return manifest.format === 1 ? manifest : undefined;
  } catch {
    return undefined;
  }
}
