import { z } from 'zod';
import { seconds } from '../units.js';

/** Fortitude's own sections (not in the seed): where it listens, where it keeps state. */

const hostEntry = z
  .string()
  .regex(/^(\*|[^\s/]+)$/, { error: 'expected host:port as clients send it, e.g. fortitude.example.com:8080 or [::1]:8080 (no scheme or path), or *' });
const originEntry = z
  .string()
  .regex(/^(\*|null|https?:\/\/[^\s/]+\/?)$/, { error: 'expected an origin such as https://app.example.com or http://localhost:5173 (scheme, host, port; no path), or *' });

/** A YAML list, or one comma-separated string (as environment variables give it). */
function list<T extends z.ZodType<string>>(entry: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value),
    z.array(entry),
  );
}

export const serverSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    // The seed's scripts use http://localhost:8080.
    port: z.number().int().min(0).max(65535).default(8080),
    /** Worker processes; 0 = one per core. */
    workers: z.number().int().min(0).default(0),
    body_limit_kb: z.number().int().positive().default(1024),
    request_timeout: seconds().default(120),
    shutdown_timeout: seconds().default(10),
    cors: z
      .strictObject({
        origins: z.array(z.string()).default([]),
      })
      .prefault({}),
    /**
     * `Host` values the API and the MCP HTTP server answer, port included (`name:port`; `name`
     * alone for 80/443 behind a proxy; `*` any); others get 403 (DNS rebinding). Empty: the
     * listen address and port, plus localhost, 127.0.0.1 and [::1] on loopback; any on 0.0.0.0.
     */
    allowed_hosts: list(hostEntry).default([]),
    /** Browser origins allowed to call the server besides its own and `cors.origins`; `*` any. */
    allowed_origins: list(originEntry).default([]),
    /**
     * `POST /api/admin/profile/heap-snapshot`. Off: a snapshot pauses the process for seconds and
     * holds everything in memory; when on, known secrets are redacted from the file.
     */
    heap_snapshots: z.boolean().default(false),
    auth: z
      .strictObject({
        /** `auto`: required when bound beyond loopback. */
        mode: z.enum(['auto', 'required', 'disabled']).default('auto'),
        default_rate_limit_per_minute: z.number().int().positive().default(60),
        /** A verified key is answered from memory this long (revocation applies within it). */
        key_cache: seconds().default(30),
        /**
         * During a database outage, a key verified within this long keeps working (revocations made
         * just before the outage apply when it ends); a key not verified in it gets 503, not 401.
         */
        key_outage_grace: seconds().default(900),
        /** Invalid API keys one client address may send per minute before 429; 0: no limit. */
        max_failed_keys_per_minute: z.number().int().min(0).default(20),
      })
      .prefault({}),
    /**
     * V8 heap settings for each serving process (bench/RESULTS.md, "cached research": with V8's
     * defaults a worker under load grew to ~300 MB RSS with 10 ms scavenges; these keep it near
     * 160 MB with 1–2 ms scavenges at the same throughput). Applied as node flags when the
     * workers start, so `serve` runs its worker as a child process whenever they are set and not
     * already given to node (the shipped entry point's `#!` line gives the defaults). The young
     * generation is 8 MB: docs/operations.md, "Young generation per workload".
     */
    runtime: z
      .strictObject({
        /** Young-generation semi-space, MB (`--max-semi-space-size`); 0 keeps V8's default (16). */
        young_generation_mb: z.number().int().min(0).max(256).default(8),
        /** Old-generation growth after each full GC, % of the live size (`--heap-growing-percent`); 0 = V8's heuristic (up to 300 %). */
        heap_growth_percent: z.number().int().min(0).max(400).default(50),
        /** Old-generation limit, MB (`--max-old-space-size`); 0 = V8's default. Keep it above caching.levels.memory.max_size_mb. */
        max_old_space_mb: z.number().int().min(0).default(0),
        /**
         * Garbage collection on the serving thread only (`--single-threaded-gc`). V8's helper
         * threads mark and sweep in parallel, which helps while cores are idle; when every core
         * already runs a worker they preempt the worker they belong to, and a full GC stalls it for
         * tens of ms (p99.9 of 90–115 ms against 9–16 ms single-threaded, bench/RESULTS.md).
         * `auto`: single-threaded when there are at least as many workers as cores.
         */
        single_threaded_gc: z.union([z.literal('auto'), z.boolean()]).default('auto'),
        /**
         * V8's allocation-site pretenuring (`--no-allocation-site-pretenuring` when false). V8
         * allocates straight into the old generation from any site whose objects mostly survived a
         * scavenge. Under load the objects a request builds first (its exchange, its call) are alive
         * at every scavenge, so their sites get pretenured; each such object, dead moments later,
         * stays a root for the young generation until the next full GC, and the whole request it
         * points at is copied and then promoted (a request's ~11 KB, even at 500/s with one in
         * flight). Off: scavenges of 0.5 ms instead of 4, no old-generation growth, a full GC
         * rarely; the gateway's saturation throughput +35 %, CPU per request −27 %
         * (bench/RESULTS.md, "Pretenuring").
         */
        allocation_site_pretenuring: z.boolean().default(false),
        /**
         * Nice value (Linux, 0–19) for each serving process's background threads: V8's concurrent
         * garbage collection and compilation, and the SQLite writer thread. Sharing the serving
         * thread's core (one worker pinned to one core, more workers than cores), each took the
         * core for a whole scheduler slice, 3–5 ms, while requests waited; lowered, they run in the
         * core's idle time and yield it when a request arrives (bench/RESULTS.md, "Background
         * threads"). 0 leaves them at the process's priority.
         */
        background_thread_nice: z.number().int().min(0).max(19).default(10),
        /**
         * glibc malloc: fixed mmap and trim thresholds, KB (`MALLOC_MMAP_THRESHOLD_`,
         * `MALLOC_TRIM_THRESHOLD_`). glibc raises both after each large free, so memory freed
         * after a burst of socket buffers stays in the process; fixed, it goes back to the OS
         * (15–20 MB less RSS under load, bench/RESULTS.md). 0 keeps glibc's dynamic thresholds;
         * other C libraries ignore the variables.
         */
        malloc_threshold_kb: z.number().int().min(0).max(65536).default(128),
      })
      .prefault({}),
  })
  .prefault({});

export const databaseSchema = z
  .strictObject({
    /** PostgreSQL URL; from DATABASE_URL. SQLite under data_dir when unset. */
    url: z.string().optional(),
    sqlite_path: z.string().optional(),
    pool_size: z.number().int().positive().default(10),
  })
  .prefault({});

export const redisSchema = z
  .strictObject({
    /** From REDIS_URL; comma-separated node URLs with caching.levels.redis.cluster_mode. */
    url: z.string().optional(),
    key_prefix: z.string().default('fortitude:'),
  })
  .prefault({});

export const simulatorSchema = z
  .strictObject({
    /** `auto`: providers without an API key talk to the built-in simulator. */
    mode: z.enum(['auto', 'always', 'never']).default('auto'),
    seed: z.number().int().default(42),
    latency_ms: z.number().nonnegative().default(40),
  })
  .prefault({});

export const researchSchema = z
  .strictObject({
    /** Answers scoring below this are retried on the next-best provider. */
    quality_threshold: z.number().min(0).max(1).default(0.8),
    max_quality_retries: z.number().int().min(0).max(5).default(1),
    reference_library_dir: z.string().default('reference_library'),
    /**
     * Who sees a stored result: `per_key` — the API key that asked for it (and admin keys);
     * `shared` — every research key. Without auth (loopback, CLI) everything is visible.
     */
    library_visibility: z.enum(['per_key', 'shared']).default('per_key'),
  })
  .prefault({});

/** The seed's PerformanceOptimizer: analyse each window, apply safe changes, roll back what hurt. */
export const optimizerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    interval: seconds().default(300),
    /** Only safe changes with confidence above this are applied. */
    apply_threshold: z.number().min(0).max(1).default(0.9),
    auto_apply: z.boolean().default(true),
  })
  .prefault({});
