import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerAdminCommands } from './commands/admin-commands.js';
import { registerBenchmarkCommand } from './commands/benchmark-command.js';
import { registerPerformanceCommands } from './commands/performance-commands.js';
import { registerProfileCommands } from './commands/profile-commands.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerCostCommands } from './commands/cost-commands.js';
import { registerToolCommands } from './commands/tool-commands.js';
import { registerResearchCommands } from './commands/research-commands.js';
import { FortitudeError } from '../../core/errors.js';

/**
 * Every command of the seed. Commands that are not built yet are listed all the same, and say
 * so plainly with a non-zero exit rather than pretending.
 */
export function createProgram(context: CliContext): Command {
  const program = new Command('fortitude')
    .description('Fortitude — self-hosted research gateway: classify, cache, route, evaluate and store answers from LLM providers')
    .option('-c, --config <path>', 'configuration file (default: $FORTITUDE_CONFIG or ./fortitude.yaml)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--verbose', 'show error causes')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.out(text.trimEnd()), writeErr: (text) => context.err(text.trimEnd()) });

  program
    .command('serve')
    .description('start the HTTP API, OpenAI-compatible gateway and /metrics')
    .option('--host <host>', 'address to bind (auth is required beyond loopback)')
    .option('--port <port>', 'port to listen on (default 8080)')
    .option('--workers <n>', 'worker processes; 0 = one per core (default from config)')
    .action((options: { host?: string; port?: string; workers?: string }) =>
      context.serve({
        ...(options.host ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: wholeNumber(options.port, '--port', 65535) } : {}),
        ...(options.workers !== undefined ? { workers: wholeNumber(options.workers, '--workers', 64) } : {}),
      }),
    );
  registerResearchCommands(program, context);

  registerPerformanceCommands(program, context);
  registerProfileCommands(program, context);

  const benchmark = program.command('benchmark').description('load-test a Fortitude server (seed scenarios)');
  registerBenchmarkCommand(benchmark, context);
  registerCostCommands(program, context, benchmark);

  registerAdminCommands(program, context);
  registerConfigCommand(program, context);

  registerToolCommands(program, context);

  return program;
}

export { CommanderError };

/** The version in package.json, three folders above this file in src/ and dist/ alike (and ships in the package). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function wholeNumber(value: string, flag: string, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > max) throw new FortitudeError('bad_request', `${flag}: expected a whole number 0–${max} (got "${value}")`);
  return number;
}
