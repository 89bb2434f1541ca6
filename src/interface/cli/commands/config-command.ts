import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';

export function registerConfigCommand(program: Command, context: CliContext): void {
  const config = program.command('config').description('validate and show configuration (fortitude.yaml + environment)');

  config
    .command('validate')
    .description('check fortitude.yaml; prints one line per problem with its YAML path and the fix (exit 2)')
    .action(() => {
      const loaded = context.loadConfig();
      const providers = loaded.providers;
      const live = providers.filter((provider) => provider.hasApiKey).map((provider) => provider.name);
      context.out(
        `${loaded.file ?? 'built-in defaults'}: valid — ${providers.length} providers (${live.length > 0 ? `live: ${live.join(', ')}` : 'all simulated: no API key set'}), ` +
          `selection ${loaded.selectionStrategy}, ${loaded.alertRules} alert rules`,
      );
    });

  config
    .command('show')
    .description('print the effective configuration with defaults filled in and secrets masked')
    .option('--json', 'print JSON instead of YAML')
    .action(async (options: { json?: boolean }) => {
      // Imported by the command that prints the configuration, not by every start of the CLI.
      const [{ stringify }, { maskSecrets }] = await Promise.all([import('yaml'), import('../../../infrastructure/logging/mask-secrets.js')]);
      const loaded = context.loadConfig();
      const masked = maskSecrets(loaded.effective);
      context.out(options.json ? JSON.stringify(masked, null, 2) : stringify(masked, { lineWidth: 120 }).trimEnd());
    });
}
