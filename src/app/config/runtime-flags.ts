/**
 * The node flags and environment `server.runtime` asks for in each serving process. Kept apart
 * from the config schema (zod) so the cluster primary, which only forks, never loads zod.
 */

/**
 * The node flags `server.runtime` asks for. A setting left to V8 (0, or pretenuring on) is still
 * said explicitly (`--max-semi-space-size=0` is V8's own default) where the shipped entry point's
 * `#!` line sets it: a process started with that line lacks the explicit flag, so `serve` forks
 * its worker with it, and the later flag wins over the line's.
 */
export function runtimeNodeFlags(
  runtime: { young_generation_mb: number; heap_growth_percent: number; max_old_space_mb: number; single_threaded_gc: 'auto' | boolean; allocation_site_pretenuring: boolean },
  placement: { workers: number; cores: number },
): string[] {
  const singleThreadedGc = runtime.single_threaded_gc === 'auto' ? placement.workers >= placement.cores : runtime.single_threaded_gc;
  return [
    `--max-semi-space-size=${runtime.young_generation_mb}`,
    `--heap-growing-percent=${runtime.heap_growth_percent}`,
    ...(runtime.max_old_space_mb > 0 ? [`--max-old-space-size=${runtime.max_old_space_mb}`] : []),
    runtime.allocation_site_pretenuring ? '--allocation-site-pretenuring' : '--no-allocation-site-pretenuring',
    ...(singleThreadedGc ? ['--single-threaded-gc'] : []),
  ];
}

/** The environment `server.runtime` asks for in every serving process (read by the C library at start). */
export function runtimeEnvironment(runtime: { malloc_threshold_kb: number }): Record<string, string> {
  if (runtime.malloc_threshold_kb === 0) return {};
  const bytes = String(runtime.malloc_threshold_kb * 1024);
  return { MALLOC_MMAP_THRESHOLD_: bytes, MALLOC_TRIM_THRESHOLD_: bytes };
}
