import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { l2Normalise } from '../embedder.js';
import { absoluteQuantile, quantiseInto } from './scalar-quantization.js';
import { VectorIndex } from './vector-index.js';

function randomVectors(count: number, dimensions: number, seed = 7): Float32Array[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, () => l2Normalise(Float32Array.from({ length: dimensions }, next)));
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('scalar quantisation', () => {
  it('maps the quantile to 127, clips outliers and round-trips within one step', () => {
    const vector = Float32Array.from([0.1, -0.2, 0.3, 0.9]);
    const codes = new Int8Array(4);
    const scale = quantiseInto(vector, 0.75, codes, 0);
    expect(absoluteQuantile(vector, 0.75)).toBeCloseTo(0.3);
    expect(codes[2]).toBe(127);
    expect(codes[3]).toBe(127); // 0.9 is beyond the 0.75 quantile: clipped
    expect(codes[0]! * scale).toBeCloseTo(0.1, 2);
  });
});

describe('VectorIndex', () => {
  it('finds each stored vector as its own nearest, by exact scan and by HNSW', () => {
    const vectors = randomVectors(300, 32);
    const index = new VectorIndex({ dimensions: 32, initialCapacity: 16 }); // forces several resizes
    vectors.forEach((vector, label) => index.add(label * 10, vector));
    expect(index.size).toBe(300);
    for (const label of [0, 17, 299]) {
      expect(index.searchExact(vectors[label]!, 1)[0]).toMatchObject({ label: label * 10 });
      expect(index.searchGraph(vectors[label]!, 1)[0]?.label).toBe(label * 10);
      expect(index.searchExact(vectors[label]!, 1)[0]!.similarity).toBeCloseTo(1, 5);
    }
    index.close();
  });

  it('uses the exact scan below full_scan_threshold and the graph above it', () => {
    const vectors = randomVectors(50, 16);
    const small = new VectorIndex({ dimensions: 16, fullScanThreshold: 100 });
    const large = new VectorIndex({ dimensions: 16, fullScanThreshold: 10 });
    vectors.forEach((vector, label) => {
      small.add(label, vector);
      large.add(label, vector);
    });
    const exact = small.search(vectors[3]!, 5);
    expect(exact).toEqual(small.searchExact(vectors[3]!, 5));
    expect(large.search(vectors[3]!, 5)).toEqual(large.searchGraph(vectors[3]!, 5));
    small.close();
    large.close();
  });

  it('removes vectors from both the scan and the graph, and reuses their slots', () => {
    const vectors = randomVectors(40, 16);
    const index = new VectorIndex({ dimensions: 16, initialCapacity: 40 });
    vectors.forEach((vector, label) => index.add(label, vector));
    expect(index.remove(5)).toBe(true);
    expect(index.remove(5)).toBe(false);
    expect(index.searchExact(vectors[5]!, 40).map((match) => match.label)).not.toContain(5);
    expect(index.searchGraph(vectors[5]!, 40).map((match) => match.label)).not.toContain(5);
    index.add(100, vectors[5]!);
    expect(index.searchGraph(vectors[5]!, 1)[0]?.label).toBe(100);
    expect(index.size).toBe(40);
    index.close();
  });

  it('persists the graph and reloads it only for the same labels and settings', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'vector-index-'));
    directories.push(directory);
    const vectors = randomVectors(60, 16);
    const index = new VectorIndex({ dimensions: 16, graphFrom: 0 });
    const byLabel = new Map(vectors.map((vector, label) => [label, vector] as const));
    for (const [label, vector] of byLabel) index.add(label, vector);
    const path = join(directory, 'partition.hnsw');
    await index.writeIndex(path);
    index.close();

    const loaded = await VectorIndex.readIndex(path, byLabel, { dimensions: 16 });
    expect(loaded?.size).toBe(60);
    expect(loaded?.searchGraph(vectors[9]!, 1)[0]?.label).toBe(9);
    expect(loaded?.searchExact(vectors[9]!, 1)[0]?.label).toBe(9);
    loaded?.close();

    const fewer = new Map([...byLabel].slice(1));
    expect(await VectorIndex.readIndex(path, fewer, { dimensions: 16 })).toBeUndefined();
    expect(await VectorIndex.readIndex(path, byLabel, { dimensions: 16, m: 8 })).toBeUndefined();
    expect(await VectorIndex.readIndex(join(directory, 'missing.hnsw'), byLabel, { dimensions: 16 })).toBeUndefined();
  });

  it('a small partition has no graph until it reaches graphFrom, and answers the same before and after', async () => {
    const vectors = randomVectors(40, 16);
    const index = new VectorIndex({ dimensions: 16, graphFrom: 30 });
    for (const [label, vector] of vectors.slice(0, 29).entries()) index.add(label, vector);
    expect(index.hasGraph).toBe(false);
    expect(index.memory().graphBytes).toBe(0);
    index.add(29, vectors[29]!);
    expect(index.hasGraph).toBe(true);
    expect(index.memory().graphBytes).toBeGreaterThan(0);
    const neverGraphed = new VectorIndex({ dimensions: 16, graphFrom: 1_000 });
    for (const [label, vector] of vectors.slice(0, 30).entries()) neverGraphed.add(label, vector);
    expect(neverGraphed.hasGraph).toBe(false);
    expect(index.search(vectors[5]!, 3)).toEqual(neverGraphed.search(vectors[5]!, 3));
    for (const [label, vector] of vectors.slice(30).entries()) index.add(30 + label, vector);
    expect(index.searchGraph(vectors[35]!, 1)[0]?.label).toBe(35);
    // Removed before the graph existed: never found by it.
    const early = new VectorIndex({ dimensions: 16, graphFrom: 5 });
    for (const [label, vector] of vectors.slice(0, 4).entries()) early.add(label, vector);
    early.remove(2);
    early.add(4, vectors[4]!);
    expect(early.searchGraph(vectors[2]!, 4).map((match) => match.label)).not.toContain(2);
    // Written without a graph: no graph file, and the loader rebuilds.
    const directory = mkdtempSync(join(tmpdir(), 'vector-index-'));
    directories.push(directory);
    const small = new VectorIndex({ dimensions: 16 });
    small.add(1, vectors[1]!);
    await small.writeIndex(join(directory, 'small.hnsw'));
    expect(await VectorIndex.readIndex(join(directory, 'small.hnsw'), new Map([[1, vectors[1]!]]), { dimensions: 16 })).toBeUndefined();
  });

  it('refuses vectors of the wrong length', () => {
    const index = new VectorIndex({ dimensions: 8 });
    expect(() => index.add(1, new Float32Array(4))).toThrow(RangeError);
    index.close();
  });
});
