import { CommanderError } from 'commander';
import { cliConfig } from '../../src/app/component-options.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { isFortitudeError } from '../../src/core/errors.js';
import type { CliContext } from '../../src/interface/cli/cli-context.js';
import { EXIT_CODE } from '../../src/interface/cli/exit-codes.js';
import { createProgram } from '../../src/interface/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real command tree run in this process (commands that only talk HTTP need nothing else):
 * the same parsing, rendering and exit codes as `src/main.ts`, without a tsx start per command.
 */
export async function cli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    globalOptions: () => ({}),
    env: {},
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    isTty: false,
    loadConfig: () => cliConfig(loadConfig({ env: {} })),
    openServices: () => Promise.reject(new Error('not used by these commands')),
    openResearch: () => Promise.reject(new Error('not used by these commands')),
    openStoredData: () => Promise.reject(new Error('not used by these commands')),
    openStoredReports: () => Promise.reject(new Error('not used by these commands')),
    openStoredFeedback: () => Promise.reject(new Error('not used by these commands')),
    openStoredProviderStatus: () => Promise.reject(new Error('not used by these commands')),
    openCacheEvaluation: () => Promise.reject(new Error('not used by these commands')),
    serve: () => Promise.reject(new Error('not used by these commands')),
  };
  let code = 0;
  context.setExitCode = (exitCode) => (code = exitCode);
  const program = createProgram(context);
  try {
    await program.parseAsync(['node', 'fortitude', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (isFortitudeError(error)) {
      err.push(error.message);
      code = EXIT_CODE[error.code];
    } else throw error;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
