import { z } from 'zod';
import { seconds } from '../units.js';

export const CACHE_LEVELS = ['memory', 'redis', 'disk'] as const;

const positiveSizeMb = z.number().positive({ message: 'must be a positive number of megabytes' });
const ttl = () => seconds().refine((value) => value > 0, { message: 'TTL must be positive' });

const levels = z
  .strictObject({
    memory: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_size_mb: positiveSizeMb.default(512),
        ttl_seconds: ttl().default(300),
        eviction_policy: z.enum(['lru']).default('lru'),
      })
      .prefault({}),
    redis: z
      .strictObject({
        // Used only when REDIS_URL (or redis.url) is set.
        enabled: z.boolean().default(true),
        // The seed's example runs a Redis Cluster; set cluster_mode: true for one. A single Redis is
        // the common case, so it is the default here.
        cluster_mode: z.boolean().default(false),
        max_size_mb: positiveSizeMb.default(2048),
        ttl_seconds: ttl().default(3600),
        compression: z.boolean().default(true),
        /** Values larger than this are compressed. */
        compression_threshold_bytes: z.number().int().nonnegative().default(1024),
        command_timeout_ms: z.number().int().positive().default(50),
      })
      .prefault({}),
    disk: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_size_mb: positiveSizeMb.default(8192),
        ttl_seconds: ttl().default(86400),
        cleanup_interval: seconds().default(3600),
        path: z.string().optional(),
      })
      .prefault({}),
  })
  .prefault({});

const strategy = (defaults: { levels: (typeof CACHE_LEVELS)[number][]; ttl: number }) =>
  z.strictObject({
    enabled: z.boolean().default(true),
    cache_levels: z.array(z.enum(CACHE_LEVELS)).default(defaults.levels),
    ttl_seconds: ttl().default(defaults.ttl),
  });

const strategies = z
  .strictObject({
    query_results: strategy({ levels: ['memory', 'redis'], ttl: 1800 })
      .extend({
        // `exact` used to be accepted and hash the same normalised text: refused rather than ignored (docs/semantic-cache.md).
        cache_key_strategy: z
          .literal('semantic_hash', {
            error: (issue) =>
              issue.input === 'exact'
                ? 'exact is not supported: every exact-tier key (and the reference library look-up) hashes the normalised question (case, Unicode NFKC, whitespace, edge punctuation), so exact would behave as semantic_hash; remove the key or set semantic_hash'
                : `must be semantic_hash (got ${JSON.stringify(issue.input)})`,
          })
          .default('semantic_hash'),
      })
      .prefault({}),
    quality_evaluations: strategy({ levels: ['memory', 'redis', 'disk'], ttl: 7200 }).prefault({}),
    provider_responses: strategy({ levels: ['redis', 'disk'], ttl: 3600 })
      .extend({ deduplication: z.boolean().default(true) })
      .prefault({}),
    embeddings: strategy({ levels: ['memory', 'redis'], ttl: 86400 })
      .extend({ precompute_common: z.boolean().default(true) })
      .prefault({}),
  })
  .prefault({});

/** Fortitude's semantic cache; index keys follow the seed's qdrant-performance.yaml. */
const semantic = z
  .strictObject({
    enabled: z.boolean().default(true),
    // Chosen on the labelled set (bench/RESULTS-semantic.md): with verification on, 0.70 serves no hard negative.
    similarity_threshold: z.number().min(0).max(1).default(0.7),
    /** `local` (built in, no download) or the name of a configured provider with embeddings. */
    embedder: z.string().default('local'),
    /**
     * Opt-in (absent: off): serve a candidate the verifier refused only for reworded or extra key
     * terms when the learned pair model's probability reaches this (docs/semantic-cache.md: 0.99
     * doubled dev recall with no false hit; unmeasured on natural near-misses).
     */
    pair_model_accept: z.number().gt(0).max(1).optional(),
    hnsw_config: z
      .strictObject({
        m: z.number().int().min(2).max(128).default(16),
        ef_construct: z.number().int().min(4).default(200),
        full_scan_threshold: z.number().int().nonnegative().default(10000),
        // The index is built in the serving process, on its own thread: 0 (auto) or 1 is what happens; more is refused, not ignored.
        max_indexing_threads: z
          .number()
          .int()
          .min(0)
          .max(1, { error: 'the semantic index is built in the serving process on one thread: only 0 (auto) or 1 can be honoured' })
          .default(0),
      })
      .prefault({}),
    quantization: z
      .strictObject({
        scalar: z
          .strictObject({
            type: z.enum(['int8']).default('int8'),
            quantile: z.number().gt(0).max(1).default(0.99),
            // The in-process index always holds its int8 codes (and vectors) in RAM.
            always_ram: z.literal(true, { error: 'the semantic index keeps its vectors in memory: only true can be honoured' }).default(true),
          })
          .prefault({}),
      })
      .prefault({}),
    max_entries: z.number().int().positive().default(200_000),
  })
  .prefault({});

const warming = z
  .strictObject({
    enabled: z.boolean().default(false),
    interval: seconds().default(300),
    frequency_threshold: z.number().int().positive().default(5),
    max_queries_per_run: z.number().int().nonnegative().default(100),
    max_cost_usd_per_run: z.number().nonnegative().default(0.5),
  })
  .prefault({});

export const cachingSchema = z
  .strictObject({
    levels,
    strategies,
    semantic,
    warming,
    /** Evict L1 to half when RSS passes this fraction of the memory limit. */
    memory_pressure_threshold: z.number().gt(0).max(1).default(0.85),
  })
  .prefault({});
