/**
 * An in-process vector index for one cache partition, with the seed's `qdrant-performance.yaml`
 * keys where they apply:
 *  - `hnsw_config.m` / `ef_construct`: the HNSW graph (hnswlib-node, cosine space), built once a
 *    partition holds `graphFrom` vectors (by default 256, far below the threshold) and then
 *    maintained on every add, so crossing the threshold never blocks on a bulk build. A small
 *    partition has no graph: each hnswlib index costs ~2.6 MB however few vectors it holds (its
 *    65,536 label locks), so a thousand small tenants would hold gigabytes for nothing;
 *  - `full_scan_threshold`: below this many vectors a search is an exact scan instead of a graph
 *    walk (Qdrant counts this in KB of vectors; here it is a vector count, see RESULTS-semantic.md);
 *  - `quantization.scalar` int8 / `quantile`: int8 codes of every vector drive the exact scan,
 *    and the few best are rescored on the float vectors (Qdrant's `rescore`).
 * Labels are caller-chosen integers. Vectors must be L2-normalised.
 */

import { readFile, rm, writeFile } from 'node:fs/promises';
import hnswlib from 'hnswlib-node';
import { quantiseInto } from './scalar-quantization.js';

const { HierarchicalNSW } = hnswlib;

export interface VectorIndexOptions {
  dimensions: number;
  /** `hnsw_config.m`: bi-directional links per node. Default 16. */
  m?: number;
  /** `hnsw_config.ef_construct`: candidate list size while inserting. Default 200. */
  efConstruction?: number;
  /** Candidate list size while searching (Qdrant's `hnsw_ef`). Default 32 (recall@1 ≈ 98 % at 100k, bench/RESULTS-semantic.md). */
  efSearch?: number;
  /** `hnsw_config.full_scan_threshold`, as a vector count: exact scan below it. Default 10,000. */
  fullScanThreshold?: number;
  /** `quantization.scalar.quantile` for the int8 codes. Default 0.99. */
  quantile?: number;
  /** Slots allocated up front; the index doubles when full. Default 1,024. */
  initialCapacity?: number;
  /** Seed of the graph's level generator, for reproducible builds. Default 100. */
  randomSeed?: number;
  /** Vectors a partition holds before its HNSW graph is built. Default 256 (never above `fullScanThreshold`). */
  graphFrom?: number;
}

export interface VectorMatch {
  label: number;
  /** Cosine similarity, -1…1. */
  similarity: number;
}

export interface VectorIndexMemory {
  /** Float vectors kept for rescoring (shared with the entry store when it holds the same arrays). */
  float32Bytes: number;
  /** The int8 codes and their scales. */
  int8Bytes: number;
  /** hnswlib's copy of the vectors plus graph links (estimate: 4·d + 2·m·4 + overhead per slot). */
  graphBytes: number;
}

interface Sidecar {
  format: 1;
  dimensions: number;
  m: number;
  efConstruction: number;
  capacity: number;
  labels: number[];
}

type Hnsw = InstanceType<typeof HierarchicalNSW>;

export class VectorIndex {
  readonly dimensions: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly fullScanThreshold: number;
  readonly quantile: number;
  private graph: Hnsw | undefined;
  private readonly graphFrom: number;
  private readonly efSearch: number;
  private readonly randomSeed: number;
  private capacity: number;
  private readonly vectors = new Map<number, Float32Array>();
  private codes: Int8Array;
  private scales: Float32Array;
  private readonly slotOf = new Map<number, number>();
  private labelOfSlot: number[] = [];
  private closed = false;

  constructor(options: VectorIndexOptions, loadedGraph?: { graph: Hnsw; capacity: number }) {
    this.dimensions = options.dimensions;
    this.m = options.m ?? 16;
    this.efConstruction = options.efConstruction ?? 200;
    this.fullScanThreshold = options.fullScanThreshold ?? 10_000;
    this.quantile = options.quantile ?? 0.99;
    this.capacity = loadedGraph?.capacity ?? Math.max(16, options.initialCapacity ?? 1024);
    this.graphFrom = Math.max(0, Math.min(options.graphFrom ?? 256, this.fullScanThreshold));
    this.efSearch = options.efSearch ?? 32;
    this.randomSeed = options.randomSeed ?? 100;
    if (loadedGraph) {
      this.graph = loadedGraph.graph;
      this.graph.setEf(this.efSearch);
    }
    this.codes = new Int8Array(this.capacity * this.dimensions);
    this.scales = new Float32Array(this.capacity);
  }

  /** Live vectors. */
  get size(): number {
    return this.vectors.size;
  }

  /** Adds or replaces the vector under `label`. */
  add(label: number, vector: Float32Array): void {
    this.assertOpen();
    if (vector.length !== this.dimensions) throw new RangeError(`expected ${this.dimensions} dimensions, got ${vector.length}`);
    if (this.vectors.has(label)) this.remove(label);
    if (this.labelOfSlot.length >= this.capacity) this.grow();
    this.graph?.addPoint(Array.from(vector), label, true);
    this.addCodes(label, vector);
    if (!this.graph && this.vectors.size >= this.graphFrom) this.buildGraph();
  }

  /** True once the HNSW graph exists (the partition reached `graphFrom` vectors, or was loaded with one). */
  get hasGraph(): boolean {
    return this.graph !== undefined;
  }

  /** Marks `label` deleted (its graph slot is reused by a later add). */
  remove(label: number): boolean {
    this.assertOpen();
    const slot = this.slotOf.get(label);
    if (slot === undefined) return false;
    this.graph?.markDelete(label);
    this.vectors.delete(label);
    // Keep the int8 matrix dense: move the last slot into the hole.
    const last = this.labelOfSlot.length - 1;
    if (slot !== last) {
      const movedLabel = this.labelOfSlot[last]!;
      this.codes.copyWithin(slot * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
      this.scales[slot] = this.scales[last]!;
      this.labelOfSlot[slot] = movedLabel;
      this.slotOf.set(movedLabel, slot);
    }
    this.labelOfSlot.pop();
    this.slotOf.delete(label);
    return true;
  }

  has(label: number): boolean {
    return this.vectors.has(label);
  }

  /** The `k` nearest vectors, best first: exact scan below `fullScanThreshold`, HNSW above. */
  search(query: Float32Array, k: number): VectorMatch[] {
    return this.size < this.fullScanThreshold ? this.searchExact(query, k) : this.searchGraph(query, k);
  }

  /** HNSW search (approximate). */
  searchGraph(query: Float32Array, k: number): VectorMatch[] {
    this.assertOpen();
    if (this.size === 0 || k <= 0) return [];
    const result = this.buildGraph().searchKnn(Array.from(query), Math.min(k, this.size));
    return result.neighbors.map((label, index) => ({ label, similarity: 1 - result.distances[index]! }));
  }

  /** Exact search: int8 scan for `rescore` candidates, then float rescoring. */
  searchExact(query: Float32Array, k: number, rescore = Math.max(4 * k, 16)): VectorMatch[] {
    this.assertOpen();
    const count = this.labelOfSlot.length;
    if (count === 0 || k <= 0) return [];
    const nonZero: number[] = [];
    for (let index = 0; index < query.length; index++) if (query[index] !== 0) nonZero.push(index);
    const indices = Int32Array.from(nonZero);
    const values = Float32Array.from(nonZero, (index) => query[index]!);
    const keep = Math.min(rescore, count);
    const bestSlots = new Int32Array(keep).fill(-1);
    const bestScores = new Float64Array(keep).fill(-Infinity);
    const codes = this.codes;
    const dimensions = this.dimensions;
    for (let slot = 0; slot < count; slot++) {
      const base = slot * dimensions;
      let sum = 0;
      for (let position = 0; position < indices.length; position++) sum += values[position]! * codes[base + indices[position]!]!;
      const score = sum * this.scales[slot]!;
      if (score <= bestScores[keep - 1]!) continue;
      let insert = keep - 1;
      while (insert > 0 && bestScores[insert - 1]! < score) {
        bestScores[insert] = bestScores[insert - 1]!;
        bestSlots[insert] = bestSlots[insert - 1]!;
        insert--;
      }
      bestScores[insert] = score;
      bestSlots[insert] = slot;
    }
    const matches: VectorMatch[] = [];
    for (const slot of bestSlots) {
      if (slot < 0) continue;
      const label = this.labelOfSlot[slot]!;
      matches.push({ label, similarity: floatDot(query, this.vectors.get(label)!) });
    }
    return matches.sort((left, right) => right.similarity - left.similarity).slice(0, k);
  }

  memory(): VectorIndexMemory {
    const slots = this.labelOfSlot.length;
    return {
      float32Bytes: this.vectors.size * this.dimensions * 4,
      int8Bytes: slots * (this.dimensions + 4),
      graphBytes: this.graph ? this.capacity * (this.dimensions * 4 + this.m * 2 * 4 + 16) : 0,
    };
  }

  /**
   * Writes the graph to `path` and its label list to `path.json`. A partition without a graph
   * writes no graph file (and removes an older one): it is rebuilt from its entries on load.
   */
  async writeIndex(path: string): Promise<void> {
    this.assertOpen();
    if (this.graph) await this.graph.writeIndex(path);
    else await rm(path, { force: true });
    const sidecar: Sidecar = {
      format: 1, dimensions: this.dimensions, m: this.m, efConstruction: this.efConstruction, capacity: this.capacity,
      labels: [...this.vectors.keys()],
    };
    await writeFile(`${path}.json`, JSON.stringify(sidecar));
  }

  /**
   * Loads a graph written by `writeIndex` when it holds exactly the labels of `vectors` with the
   * same settings; otherwise (or when the file is missing or unreadable) returns undefined and
   * the caller rebuilds from its entries.
   */
  static async readIndex(path: string, vectors: ReadonlyMap<number, Float32Array>, options: VectorIndexOptions): Promise<VectorIndex | undefined> {
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(await readFile(`${path}.json`, 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
    const sameSettings =
      sidecar.format === 1 && sidecar.dimensions === options.dimensions && sidecar.m === (options.m ?? 16) &&
      sidecar.efConstruction === (options.efConstruction ?? 200);
    if (!sameSettings || sidecar.labels.length !== vectors.size || !sidecar.labels.every((label) => vectors.has(label))) {
      return undefined;
    }
    const graph = new HierarchicalNSW('cosine', options.dimensions);
    try {
      await graph.readIndex(path, true);
    } catch {
      return undefined;
    }
    const index = new VectorIndex(options, { graph, capacity: graph.getMaxElements() });
    for (const [label, vector] of vectors) index.addCodes(label, vector);
    return index;
  }

  close(): void {
    this.closed = true;
    this.vectors.clear();
    this.slotOf.clear();
    this.labelOfSlot = [];
  }

  private addCodes(label: number, vector: Float32Array): void {
    if (this.labelOfSlot.length * this.dimensions >= this.codes.length) this.growCodes(Math.max(this.capacity, 2 * this.labelOfSlot.length));
    const slot = this.labelOfSlot.length;
    this.scales[slot] = quantiseInto(vector, this.quantile, this.codes, slot * this.dimensions);
    this.labelOfSlot.push(label);
    this.slotOf.set(label, slot);
    this.vectors.set(label, vector);
  }

  private grow(): void {
    this.capacity *= 2;
    this.graph?.resizeIndex(this.capacity);
    this.growCodes(this.capacity);
  }

  /** The graph, built from every live vector if it does not exist yet. */
  private buildGraph(): Hnsw {
    if (this.graph) return this.graph;
    while (this.capacity < this.vectors.size + 1) this.capacity *= 2;
    this.growCodes(this.capacity);
    const graph = new HierarchicalNSW('cosine', this.dimensions);
    graph.initIndex(this.capacity, this.m, this.efConstruction, this.randomSeed, true);
    graph.setEf(this.efSearch);
    for (const label of this.labelOfSlot) graph.addPoint(Array.from(this.vectors.get(label)!), label, true);
    this.graph = graph;
    return graph;
  }

  private growCodes(slots: number): void {
    if (slots * this.dimensions <= this.codes.length) return;
    const codes = new Int8Array(slots * this.dimensions);
    codes.set(this.codes);
    const scales = new Float32Array(slots);
    scales.set(this.scales);
    this.codes = codes;
    this.scales = scales;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('vector index is closed');
  }
}

function floatDot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}
