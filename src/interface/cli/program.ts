import { Command, CommanderError } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerAdminCommands } from './commands/admin-commands.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerCostCommands } from './commands/cost-commands.js';
import { registerToolCommands } from './commands/tool-commands.js';
import { registerResearchCommands } from './commands/research-commands.js';
import { notBuilt } from './not-built.js';

/**
 * Every command of the seed. Commands that are not built yet are listed all the same, and say
 * so plainly with a non-zero exit rather than pretending.
 */
export function createProgram(context: CliContext): Command {
  const program = new Command('fortitude')
    .description('Fortitude — self-hosted research gateway: classify, cache, route, evaluate and store answers from LLM providers')
    .option('-c, --config <path>', 'configuration file (default: $FORTITUDE_CONFIG or ./fortitude.yaml)')
    .option('--verbose', 'show error causes')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.out(text.trimEnd()), writeErr: (text) => context.err(text.trimEnd()) });

  program
    .command('serve')
    .description('start the HTTP API, OpenAI-compatible gateway, dashboard and /metrics')
    .action(() => notBuilt('serve', 5));
  registerResearchCommands(program, context);

  const performance = program.command('performance').description('analyse, monitor and report performance');
  performance.command('analyze').description('analyse recorded performance').action(() => notBuilt('performance analyze', 8));
  performance.command('monitor').description('live terminal view of performance').action(() => notBuilt('performance monitor', 8));
  performance.command('report').description('performance report (detailed, json, html)').action(() => notBuilt('performance report', 8));

  const profile = program.command('profile').description('profile a running server (cpu, memory, io, database, providers)');
  for (const target of ['cpu', 'memory', 'io', 'database', 'providers']) {
    profile.command(target).description(`${target} profile`).action(() => notBuilt(`profile ${target}`, 8));
  }

  const benchmark = program.command('benchmark').description('load-test a Fortitude server (seed scenarios)');
  benchmark.action(() => notBuilt('benchmark', 8));
  registerCostCommands(program, context, benchmark);

  registerAdminCommands(program, context);
  registerConfigCommand(program, context);

  registerToolCommands(program, context);

  return program;
}

export { CommanderError };
