import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createDatabase } from '../infrastructure/storage/create-database.js';
import type { CacheEvalParts } from '../operations/cache-eval/cache-under-test.js';
import { createMemoisedClassifier } from '../pipeline/classify/classify.js';
import { createReferenceLibrary } from '../pipeline/library/reference-library.js';
import { buildCache } from './build-cache.js';
import { buildProviders, type ProviderSet } from './build-providers.js';
import { buildSemanticLayer } from './build-semantic.js';
import { researchAnswerTtlMs } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

/**
 * The research cache tiers of `serve` (same builders, same configuration) in a fresh temporary
 * directory, for `fortitude cache eval`: a new SQLite library, memory and disk levels and the
 * semantic entry log all live there and are deleted on close. Nothing reaches the user's data
 * directory, database or Redis: the Redis level and shared stores are not built.
 */
export async function buildCacheEvaluation(config: FortitudeConfig, deps: { logger: Logger }): Promise<CacheEvalParts> {
  const directory = await mkdtemp(join(tmpdir(), 'fortitude-cache-eval-'));
  const levels = config.caching.levels;
  const isolated: FortitudeConfig = {
    ...config,
    data_dir: directory,
    database: { ...config.database, url: undefined, sqlite_path: join(directory, 'fortitude.db') },
    redis: { ...config.redis, url: undefined },
    research: { ...config.research, reference_library_dir: join(directory, 'reference_library') },
    caching: { ...config.caching, levels: { ...levels, disk: { ...levels.disk, path: join(directory, 'cache') } } },
  };
  const closers: Array<() => Promise<unknown>> = [() => rm(directory, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => deps.logger.warn({ err: error }, 'cache eval: error while closing'));
  };
  try {
    const storage = await createDatabase({ sqlitePath: join(directory, 'fortitude.db'), poolSize: 1 });
    closers.push(() => storage.close());
    await storage.migrate();
    const caches = buildCache(isolated, { logger: deps.logger });
    closers.push(() => caches.close());
    // Only a provider embedder needs the providers (and, without API keys, the simulator).
    const semanticSettings = isolated.caching.semantic;
    let providers: ProviderSet | undefined;
    if (semanticSettings.enabled && semanticSettings.embedder !== 'local') {
      providers = await buildProviders(isolated);
      closers.push(() => providers!.close());
    }
    const semantic = await buildSemanticLayer(isolated, { providers: providers ?? NO_PROVIDERS, logger: deps.logger });
    if (semantic) closers.push(() => semantic.close());
    const exactLevels = [levels.memory.enabled && 'memory', levels.disk.enabled && 'disk'].filter((level): level is string => typeof level === 'string');
    return {
      exact: caches.research,
      // No Markdown export: the evaluation's answers are stand-ins.
      library: createReferenceLibrary(storage, { exportDir: undefined }),
      libraryMaxAgeMs: researchAnswerTtlMs(isolated),
      semantic: semantic?.cache,
      classify: createMemoisedClassifier(),
      setup: {
        exactLevels,
        semantic: semantic ? { embedder: semantic.embedder.id, threshold: semantic.cache.similarityThreshold } : undefined,
        directory,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The local embedder needs no provider; `buildSemanticLayer` reads providers only for another one. */
const NO_PROVIDERS = { providers: new Map(), configs: new Map() } as unknown as ProviderSet;
