import { join } from 'node:path';
import type { Logger } from 'pino';
import { FortitudeError } from '../core/errors.js';
import type { Embedder } from '../infrastructure/cache/semantic/embedder.js';
import { createCachedEmbedder } from '../infrastructure/cache/semantic/cached-embedder.js';
import type { CacheStrategy } from '../infrastructure/cache/cache-strategies.js';
import { createLocalEmbedder } from '../infrastructure/cache/semantic/local-embedder.js';
import { createProviderEmbedder } from '../infrastructure/cache/semantic/provider-embedder.js';
import { createSemanticCache, type SemanticCache } from '../infrastructure/cache/semantic/semantic-cache.js';
import { createFileEntryPersistence } from '../infrastructure/cache/semantic/store/file-entry-persistence.js';
import { createMemorySemanticEntryStore } from '../infrastructure/cache/semantic/store/memory-entry-store.js';
import type { SemanticValue } from '../pipeline/research-cache.js';
import { RedisSemanticEntryStore } from '../infrastructure/redis/redis-semantic-entry-store.js';
import type { SharedState } from './build-routing.js';
import type { ProviderSet } from './build-providers.js';
import { researchAnswerTtlMs } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

export interface SemanticLayer {
  readonly cache: SemanticCache<SemanticValue>;
  readonly embedder: Embedder;
  close(): Promise<void>;
}

export async function buildSemanticLayer(
  config: FortitudeConfig,
  deps: { providers: Pick<ProviderSet, 'providers' | 'configs'>; logger: Logger; workerId?: number; shared?: Pick<SharedState, 'redis' | 'keyPrefix'>; embeddingsCache?: Pick<CacheStrategy<number[]>, 'enabled' | 'prefix' | 'peek' | 'get' | 'set'> },
): Promise<SemanticLayer | undefined> {
  const settings = config.caching.semantic;
  if (!settings.enabled) return undefined;
  const computing = await embedderFor(settings.embedder, deps.providers);
  // `caching.strategies.embeddings`: vectors kept in its levels for its TTL, before the embedder is asked.
  const embedder = deps.embeddingsCache ? createCachedEmbedder(computing, deps.embeddingsCache) : computing;
  const directory = join(config.data_dir, 'semantic');
  // With Redis, entries are shared by every replica (and worker); otherwise a local entry log.
  const redis = deps.shared?.redis;
  const shared = redis
    ? new RedisSemanticEntryStore<SemanticValue>(
        { keyPrefix: deps.shared!.keyPrefix },
        {
          client: redis.client,
          subscriber: redis.duplicate(),
          redis,
          onError: (error) => deps.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'shared semantic cache: Redis error'),
        },
      )
    : undefined;
  const cache = await createSemanticCache<SemanticValue>(
    {
      similarityThreshold: settings.similarity_threshold,
      ...(settings.pair_model_accept === undefined ? {} : { verification: { pairAccept: settings.pair_model_accept } }),
      ttlMs: researchAnswerTtlMs(config),
      // The entry log is shared by a host's workers; each keeps its own index files.
      indexDirectory: deps.workerId ? join(directory, `worker-${deps.workerId}`) : directory,
      index: {
        m: settings.hnsw_config.m,
        efConstruction: settings.hnsw_config.ef_construct,
        fullScanThreshold: settings.hnsw_config.full_scan_threshold,
        quantile: settings.quantization.scalar.quantile,
      },
    },
    {
      embedder,
      store: shared ?? createMemorySemanticEntryStore<SemanticValue>({ persistence: createFileEntryPersistence(join(directory, `entries-${embedder.id}.log`)) }),
    },
  );
  await shared?.watch({ onPut: (entry) => cache.adopt(entry), onDelete: (id) => cache.forget(id) });

  return {
    cache,
    embedder,
    async close() {
      await cache.persistIndex().catch(() => undefined);
      await cache.close();
      await shared?.close();
    },
  };
}

async function embedderFor(name: string, providers: Pick<ProviderSet, 'providers' | 'configs'>): Promise<Embedder> {
  if (name === 'local') return createLocalEmbedder();
  const provider = providers.providers.get(name);
  if (!provider?.embed || !provider.capabilities.embeddings) {
    throw new FortitudeError(
      'config_invalid',
      `caching.semantic.embedder: "${name}" is not a configured provider with an embeddings endpoint; use "local" or one of ${[...providers.providers.values()]
        .filter((candidate) => candidate.capabilities.embeddings)
        .map((candidate) => candidate.name)
        .join(', ')}`,
    );
  }
  const model = providers.configs.get(name)?.embedding_model ?? 'text-embedding-3-small';
  const embed = async (texts: string[]) => (await provider.embed!({ model, input: texts })).vectors;
  const [probe] = await embed(['dimension probe']);
  return createProviderEmbedder({ id: `${name}-${model}`, dimensions: probe?.length ?? 0, embed });
}
