import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { CacheLogger } from './cache-store.js';

/** Something that can give memory back: L1 (`MemoryCacheStore.shrinkTo`), later the semantic index. */
export interface Shrinkable {
  shrinkTo(fraction: number): { evicted: number; freedBytes: number };
}

export interface MemoryPressureOptions {
  /** What is measured: V8 heap used (default) or the process's resident set. */
  source?: 'heap' | 'rss';
  /** The limit the threshold is a fraction of, bytes. Default: V8's heap limit, or for `rss` the cgroup limit / total RAM. */
  limitBytes?: number;
  /** Shrink when usage exceeds this fraction of the limit. Default 0.85 (the seed's 85 %). */
  threshold?: number;
  /** Fraction of its bytes each target keeps when shrinking. Default 0.5 ("evict L1 to half"). */
  shrinkFraction?: number;
  /** How often to check, ms. Default 5 s. 0 disables the timer (call `check()` yourself). */
  intervalMs?: number;
  /** Minimum time between two shrinks, ms, so freed memory can be collected before judging again. Default 30 s. */
  cooldownMs?: number;
}

export interface MemoryPressureDeps {
  targets: Shrinkable[];
  /** Current usage in bytes; injected in tests. */
  readMemory?: () => number;
  logger?: CacheLogger;
  now?: () => number;
}

export interface MemoryPressureStats {
  checks: number;
  shrinks: number;
  evicted: number;
  freedBytes: number;
  lastUsageBytes: number;
  limitBytes: number;
  threshold: number;
}

function defaultLimit(source: 'heap' | 'rss'): number {
  if (source === 'heap') return getHeapStatistics().heap_size_limit;
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return constrained !== undefined && constrained > 0 ? constrained : totalmem();
}

function defaultReader(source: 'heap' | 'rss'): () => number {
  return source === 'heap' ? () => process.memoryUsage().heapUsed : () => process.memoryUsage.rss();
}

/** Watches memory on an unref'd timer and shrinks caches when it nears the limit. */
export class MemoryPressureMonitor {
  readonly #targets: Shrinkable[];
  readonly #read: () => number;
  readonly #logger: CacheLogger | undefined;
  readonly #now: () => number;
  readonly #threshold: number;
  readonly #shrinkFraction: number;
  readonly #cooldownMs: number;
  readonly #limitBytes: number;
  readonly #timer: NodeJS.Timeout | undefined;
  #lastShrinkAt = -Infinity;
  #stats = { checks: 0, shrinks: 0, evicted: 0, freedBytes: 0, lastUsageBytes: 0 };

  constructor(options: MemoryPressureOptions, deps: MemoryPressureDeps) {
    const source = options.source ?? 'heap';
    this.#targets = deps.targets;
    this.#read = deps.readMemory ?? defaultReader(source);
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#threshold = options.threshold ?? 0.85;
    this.#shrinkFraction = options.shrinkFraction ?? 0.5;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#limitBytes = options.limitBytes ?? defaultLimit(source);
    const intervalMs = options.intervalMs ?? 5000;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.check(), intervalMs);
      this.#timer.unref();
    }
  }

  /** Measures once; shrinks every target if over the threshold and out of cooldown. Returns whether it shrank. */
  check(): boolean {
    this.#stats.checks++;
    const usage = this.#read();
    this.#stats.lastUsageBytes = usage;
    if (usage <= this.#threshold * this.#limitBytes) return false;
    if (this.#now() - this.#lastShrinkAt < this.#cooldownMs) return false;
    this.#lastShrinkAt = this.#now();
    let evicted = 0;
    let freedBytes = 0;
    for (const target of this.#targets) {
      const result = target.shrinkTo(this.#shrinkFraction);
      evicted += result.evicted;
      freedBytes += result.freedBytes;
    }
    this.#stats.shrinks++;
    this.#stats.evicted += evicted;
    this.#stats.freedBytes += freedBytes;
    this.#logger?.warn(
      { usageBytes: usage, limitBytes: this.#limitBytes, threshold: this.#threshold, evicted, freedBytes },
      'memory pressure: shrank in-memory caches',
    );
    return true;
  }

  stats(): MemoryPressureStats {
    return { ...this.#stats, limitBytes: this.#limitBytes, threshold: this.#threshold };
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

export function createMemoryPressureMonitor(options: MemoryPressureOptions, deps: MemoryPressureDeps): MemoryPressureMonitor {
  return new MemoryPressureMonitor(options, deps);
}
