#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=8 --heap-growing-percent=50 --no-allocation-site-pretenuring
// The line above starts node with `server.runtime`'s default memory flags and allocator settings
// (app/config/runtime-flags.ts; test/http/single-process-serve.test.ts holds them equal), so
// `fortitude serve --workers 1` and `npm start` with one worker run as one process, not a primary and a worker.
import { CommanderError } from 'commander';
import { isFortitudeError } from './core/errors.js';
import { redactText } from './infrastructure/logging/redact.js';
import type { LoadConfigOptions, LoadedConfig } from './app/config/load-config.js';
import type { CliContext } from './interface/cli/cli-context.js';
import type { Fortitude } from './pipeline/fortitude.js';
import type { FortitudeLogger } from './infrastructure/logging/logger.js';
import { EXIT_CODE } from './interface/cli/exit-codes.js';
import { createProgram } from './interface/cli/program.js';

/**
 * What a command needs beyond parsing its arguments is imported when it runs (`--help` and
 * `--version` load neither the configuration schema nor the logger nor the server). With nothing
 * configured (no file, no override), the configuration is the build's copy of the schema's
 * defaults and zod is not loaded at all (`app/config/default-config.ts`).
 */
async function configTools(path: string | undefined) {
  const [{ builtInDefaults }, { cliConfig, loggerOptions }] = await Promise.all([import('./app/config/default-config.js'), import('./app/component-options.js')]);
  const defaults = builtInDefaults({ path, env: process.env });
  const loadConfig: LoadConfig = defaults ? () => defaults : (await import('./app/config/load-config.js')).loadConfig;
  return { loadConfig, cliConfig, loggerOptions };
}

type LoadConfig = (options: LoadConfigOptions) => LoadedConfig;

/** The logger, for commands that build services (`config validate`, `--help` and HTTP-only commands never load pino). */
async function loggerTools() {
  return import('./infrastructure/logging/logger.js');
}

/** Set by `serve`: a server that failed to start must exit, not linger on open handles. */
let exitOnFailure = false;

/** Entry point: parse the command line, run the command, map errors to exit codes. */
async function main(argv: string[]): Promise<number> {
  // Loaded before any command's action runs (commander's preAction hook), never for --help or --version.
  let loaded: Awaited<ReturnType<typeof configTools>> | undefined;
  const tools = () => {
    if (!loaded) throw new Error('configuration tools used before the preAction hook loaded them');
    return loaded;
  };
  const load = () => tools().loadConfig({ path: program.opts<{ config?: string }>().config, env: process.env });
  // CLI commands log to stderr so their stdout stays parseable.
  const commandLogger = async (config: ReturnType<typeof load>['config']) => {
    const { createLogger } = await loggerTools();
    return createLogger({ ...tools().loggerOptions(config.logging), asyncLogging: false }, process.stderr);
  };
  /** Opens `open`'s services with this command's logger, closed after them. */
  const withCommandLogger = async <T extends { close(): Promise<void> }>(open: (config: ReturnType<typeof load>['config'], deps: { logger: FortitudeLogger }) => Promise<T>): Promise<T> => {
    const { config } = load();
    const logger = await commandLogger(config);
    try {
      const services = await open(config, { logger });
      return { ...services, close: async () => { await services.close(); logger.close(); } };
    } catch (error) {
      logger.close();
      throw error;
    }
  };
  const context: CliContext = {
    globalOptions: () => program.opts<{ config?: string; verbose?: boolean }>(),
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    isTty: Boolean(process.stderr.isTTY),
    loadConfig: () => tools().cliConfig(load()),
    async openServices() {
      const { config } = load();
      const logger = await commandLogger(config);
      // Imported on use: `serve`'s cluster primary never builds the application.
      const { createApplication } = await import('./app/composition.js');
      const app = await createApplication(config, { logger });
      return { ...app.fortitude, close: async () => { await app.close(); logger.close(); } };
    },
    async openResearch() {
      const { config } = load();
      const logger = await commandLogger(config);
      const [{ frontServes, openResearchFront }, { simulatedProviderNames }] = await Promise.all([
        import('./app/research-front.js'),
        import('./app/simulated-providers.js'),
      ]);
      let app: { fortitude: Fortitude; close(): Promise<void> } | undefined;
      return {
        simulatedProviders: simulatedProviderNames(config),
        async research(request, researchContext) {
          // A question answered before needs only the database and the cache tiers; the provider
          // and routing stack (and the simulator) are built only for a miss.
          if (frontServes(config, request)) {
            const front = await openResearchFront(config, { logger });
            try {
              const cached = await front.answer(request, researchContext);
              if (cached) return cached;
            } finally {
              await front.close();
            }
          }
          const { createApplication } = await import('./app/composition.js');
          app = await createApplication(config, { logger });
          return app.fortitude.research(request, researchContext);
        },
        async close() {
          await app?.close();
          logger.close();
        },
      };
    },
    async openStoredData(options = {}) {
      const { config } = load();
      const { openStoredData } = await import('./app/stored-services.js');
      return openStoredData(options.poolSize === undefined ? config : { ...config, database: { ...config.database, pool_size: options.poolSize } });
    },
    openStoredReports: async () => withCommandLogger((await import('./app/stored-services.js')).openStoredReports),
    openStoredFeedback: async () => withCommandLogger((await import('./app/stored-services.js')).openStoredFeedback),
    openStoredProviderStatus: async () => withCommandLogger((await import('./app/stored-services.js')).openStoredProviderStatus),
    async openCacheEvaluation() {
      const { config } = load();
      const logger = await commandLogger(config);
      const { buildCacheEvaluation } = await import('./app/build-cache-eval.js');
      const { createCacheUnderTest } = await import('./operations/cache-eval/cache-under-test.js');
      const parts = await buildCacheEvaluation(config, { logger: logger.for('root') });
      return { ...createCacheUnderTest(parts), close: async () => { await parts.close(); logger.close(); } };
    },
    async serve(options) {
      // A server that failed to start exits with its code, whatever handles its half-built parts left open.
      exitOnFailure = true;
      const { config } = load();
      const { loggerOptions } = tools();
      const { createLogger } = await loggerTools();
      const logger = createLogger(loggerOptions(config.logging));
      const { serve } = await import('./app/serve.js');
      await serve(config, options, logger);
      // The server keeps the process alive; signals end it (see app/serve.ts).
      await new Promise<never>(() => undefined);
    },
  };
  const program = createProgram(context);
  program.hook('preAction', async () => {
    loaded ??= await configTools(program.opts<{ config?: string }>().config);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage mistakes exit 2 (commander already printed why).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isFortitudeError(error)) {
      context.err(redactText(error.message));
      if (program.opts<{ verbose?: boolean }>().verbose && error.cause) context.err(`cause: ${redactText(String(error.cause))}`);
      return EXIT_CODE[error.code];
    }
    const message = error instanceof Error ? error.message : String(error);
    context.err(`fortitude: unexpected error: ${redactText(message)}`);
    if (program.opts<{ verbose?: boolean }>().verbose && error instanceof Error && error.stack) context.err(redactText(error.stack));
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
if (code !== 0 && exitOnFailure) process.exit(code);
