import type { Logger } from 'pino';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { BatchedWriter } from '../infrastructure/storage/batched-writer.js';
import type { QualityMetricInput } from '../infrastructure/storage/repositories/quality-metrics.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { createApiKeys } from '../pipeline/access/api-keys.js';
import type { StoredData, StoredFeedback, StoredProviderStatus, StoredReports } from '../pipeline/fortitude.js';
import { describeProviders } from '../pipeline/health.js';
import { createFeedback } from '../pipeline/library/feedback.js';
import { createOperatorReports } from '../pipeline/operator-reports.js';
import type { Router } from '../pipeline/routing/router.js';
import { storedProviderStatus } from '../providers/provider-stack.js';
import { buildPrices, buildRouter, buildSharedState, configuredProviders } from './build-routing.js';
import { apiKeyOptions, operatorReportOptions, providerStackOptions } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';
import { libraryOver, openStorage } from './open-storage.js';
import { isSimulatedProvider, SIMULATOR_KEY } from './simulated-providers.js';

/**
 * What CLI commands open when no server answers them: each only what it reads or writes (the
 * database through `open-storage.ts`, the machine's or Redis's shared state), never the
 * providers, the simulator, the caches or the budget. The whole application is
 * `composition.ts`; these build the same components with the same options, so their answers are
 * the application's.
 */

/**
 * A rating's derived quality row feeds analysis, not the caller: written off the request path,
 * one per write (so a retried batch never duplicates), surviving a database blip.
 */
export function feedbackQualityRows(storage: Storage, learningLog: Logger): BatchedWriter<QualityMetricInput> {
  return new BatchedWriter<QualityMetricInput>({
    write: async ([record]) => void (record && (await storage.qualityMetrics.insert(record))),
    batchSize: 1,
    maxBuffered: 10_000,
    onError: (error, pending) => learningLog.warn({ err: error, pending }, 'feedback quality rows not written yet; retrying'),
  });
}

/** `keys`, `list`, `show` and `search`: the database and the library over it. */
export async function openStoredData(config: FortitudeConfig): Promise<StoredData> {
  const storage = await openStorage(config);
  const library = libraryOver(storage, config);
  const keys = createApiKeys(storage.apiKeys, apiKeyOptions(config.server.auth));
  return {
    getResult: (idOrSlug) => library.get(idOrSlug),
    listResults: (options) => library.list(options),
    searchResults: (options) => library.search(options),
    createApiKey: keys.createApiKey,
    listApiKeys: keys.listApiKeys,
    revokeApiKey: keys.revokeApiKey,
    close: () => storage.close(),
  };
}

interface LearnedRouting {
  router: Router;
  close(): Promise<void>;
}

/**
 * The learning router over the shared learned state (`<data_dir>/shared-state.db`, or Redis):
 * what every process of the deployment has learned, as the application's router sees it at start.
 */
async function openLearnedRouting(config: FortitudeConfig, storage: Storage, logger: FortitudeLogger): Promise<LearnedRouting> {
  const log = logger.for('root');
  const learningLog = logger.for('learning');
  const shared = await buildSharedState(config, log, { learningLogger: learningLog });
  try {
    const router = buildRouter(config, { ...configuredProviders(config), prices: buildPrices(config, log), storage, learnedState: shared.learnedState, logger: log, learningLogger: learningLog });
    await shared.learnedState?.ready?.();
    return { router, close: () => shared.close() };
  } catch (error) {
    await shared.close();
    throw error;
  }
}

/**
 * `costs …` and `benchmark analyze-providers` (the recorded requests and the prices), and
 * `learning status` (the learned routing state, opened on first use). Route changes apply only
 * to a running server's routers: `costs apply-optimizations --auto-approve true` needs one.
 */
export async function openStoredReports(config: FortitudeConfig, deps: { logger: FortitudeLogger }): Promise<StoredReports> {
  const log = deps.logger.for('root');
  const storage = await openStorage(config);
  const prices = buildPrices(config, log);
  // Warned now, as the application does when it starts: a configured model that no table prices.
  const { providerNames, providerModels } = configuredProviders(config);
  for (const name of providerNames) prices.priceOf(providerModels[name] ?? '', name);
  let learned: Promise<LearnedRouting> | undefined;
  const routing = () => (learned ??= openLearnedRouting(config, storage, deps.logger));
  return {
    operator: createOperatorReports(operatorReportOptions(config.selection_strategy), {
      storage,
      prices,
      router: {
        learningStatus: async (options) => (await routing()).router.learningStatus(options),
        applyChanges() {
          throw new Error('route changes apply to a running server\'s routers (this process has none)');
        },
      },
    }),
    async close() {
      await (await learned?.catch(() => undefined))?.close();
      await storage.close();
    },
  };
}

/** `feedback`: the rated result, the rating and its quality row, and the learned routing state it feeds. */
export async function openStoredFeedback(config: FortitudeConfig, deps: { logger: FortitudeLogger }): Promise<StoredFeedback> {
  const storage = await openStorage(config);
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => deps.logger.for('root').warn({ err: error }, 'error while closing'));
  };
  try {
    const library = libraryOver(storage, config);
    const qualityRows = feedbackQualityRows(storage, deps.logger.for('learning'));
    closers.push(() => qualityRows.close());
    const { router, close } = await openLearnedRouting(config, storage, deps.logger);
    closers.push(close);
    const submitFeedback = createFeedback({ results: library, feedback: storage.feedback, qualityRows, router });
    return {
      getResult: (idOrSlug) => library.get(idOrSlug),
      submitFeedback: (input) => submitFeedback(input, undefined),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The origin a simulated provider reports where no simulator runs (the application's listens on a free loopback port). */
const SIMULATOR_ORIGIN = 'http://127.0.0.1:0';

/**
 * `providers status`: every configured provider with the breaker and rate-limit state its stack
 * would read (the machine's `shared-state.db`, or Redis); no stack, transport or simulator, so
 * no call statistics or connections.
 */
export async function openStoredProviderStatus(config: FortitudeConfig, deps: { logger: FortitudeLogger }): Promise<StoredProviderStatus> {
  const log = deps.logger.for('root');
  const shared = await buildSharedState(config, log, { learningLogger: deps.logger.for('learning') });
  const enabled = Object.values(config.providers).filter((provider) => provider.enabled);
  const stores = { rateLimitStore: shared.rateLimitStore, breakerStore: shared.breakerStore };
  return {
    providerStatus: describeProviders({
      status: () =>
        Promise.all(
          enabled.map((provider) =>
            isSimulatedProvider(config, provider)
              ? storedProviderStatus(providerStackOptions(provider, { apiKey: SIMULATOR_KEY, simulated: true }), { ...stores, origin: SIMULATOR_ORIGIN })
              : storedProviderStatus(providerStackOptions(provider), stores),
          ),
        ),
      modelOf: (name) => config.providers[name]?.model,
    }),
    close: () => shared.close(),
  };
}
