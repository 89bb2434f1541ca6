import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { CliContext } from '../cli-context.js';
import type { OperatorReports, ReportFormat } from '../../../pipeline/fortitude.js';
import type { LearningStatus } from '../../../pipeline/routing/router.js';
import { getJson, liveOnly, liveOrStored, postJson, serverOptionsOf, withServerOptions, type ServerCommandOptions } from './server-client.js';

const FORMATS: readonly ReportFormat[] = ['table', 'csv', 'json'];

/** The seed's `fortitude costs …`, `benchmark analyze-providers` and `learning status`. */
export function registerCostCommands(program: Command, context: CliContext, benchmark: Command): void {
  const withOperator = async (work: (operator: OperatorReports) => Promise<string>) => {
    const services = await context.openStoredReports();
    try {
      return await work(services.operator);
    } finally {
      await services.close();
    }
  };
  const run = async (work: (operator: OperatorReports) => Promise<string>) => context.out(await withOperator(work));

  const costs = program.command('costs').description('cost analysis, optimisation and reports (from recorded provider requests)');
  costs
    .command('analyze')
    .description('spend by provider, user and query type over a time range')
    .option('--time-range <range>', 'e.g. 24h, 7d, 30d', '30d')
    .option('--breakdown <list>', 'comma-separated: provider, model, user, query_type', 'provider')
    .option('--format <format>', 'table | csv | json', 'table')
    .action((options: { timeRange: string; breakdown: string; format: string }) =>
      run((operator) => operator.costsAnalyze({ timeRange: range(options.timeRange), breakdown: options.breakdown, format: format(options.format) })),
    );
  costs
    .command('optimize')
    .description('recommendations with projected savings and quality impact')
    .option('--target-reduction <fraction>', 'wanted cost reduction, 0–1', '0.2')
    .option('--maintain-quality <score>', 'least quality a cheaper route must have, 0–1', '0.85')
    .option('--time-range <range>', 'history to learn from', '30d')
    .option('--format <format>', 'table | csv | json', 'table')
    .action((options: { targetReduction: string; maintainQuality: string; timeRange: string; format: string }) =>
      run((operator) =>
        operator.costsOptimize({
          targetReduction: fraction(options.targetReduction, '--target-reduction'),
          maintainQuality: fraction(options.maintainQuality, '--maintain-quality'),
          timeRange: range(options.timeRange),
          format: format(options.format),
        }),
      ),
    );
  withServerOptions(
    costs
      .command('apply-optimizations')
      .description('record the recommended changes; with --auto-approve true the running server applies them to every worker\'s routing')
      .option('--auto-approve <bool>', 'true | false', 'false')
      .option('--target-reduction <fraction>', 'wanted cost reduction, 0–1', '0.2')
      .option('--maintain-quality <score>', 'least quality a cheaper route must have, 0–1', '0.85')
      .option('--time-range <range>', 'history to learn from', '30d')
      .option('--format <format>', 'table | csv | json', 'table'),
    context,
  ).action(async (options: ServerCommandOptions & { autoApprove: string; targetReduction: string; maintainQuality: string; timeRange: string; format: string }) => {
    if (options.autoApprove !== 'true' && options.autoApprove !== 'false')
      throw new FortitudeError('bad_request', `--auto-approve: expected true or false (got "${options.autoApprove}")`);
    const input = {
      autoApprove: options.autoApprove === 'true',
      targetReduction: fraction(options.targetReduction, '--target-reduction'),
      maintainQuality: fraction(options.maintainQuality, '--maintain-quality'),
      timeRange: range(options.timeRange),
      format: format(options.format),
    };
    const server = serverOptionsOf(options);
    const live = () =>
      postJson<{ report: string; applied: { processes?: { asked: number; answered: number } } | null }>(server, '/api/admin/optimizations/apply', {
        auto_approve: input.autoApprove,
        target_reduction: input.targetReduction,
        maintain_quality: input.maintainQuality,
        time_range: input.timeRange,
        format: input.format,
      });
    // Applying changes only means something to a running server; recording them needs only storage.
    const answer = input.autoApprove
      ? await liveOnly(server, 'nothing applied (with --auto-approve false the recommendations are recorded without a server)', live)
      : await liveOrStored(context, server, live, 'the recommendations recorded from stored data', async () => ({ report: await withOperator((operator) => operator.costsApply(input)), applied: null }));
    context.out(answer.report);
    const processes = answer.applied?.processes;
    if (input.autoApprove && processes && input.format === 'table') context.out(`applied to ${server.url}: ${processes.answered} of ${processes.asked} workers`);
  });
  costs
    .command('trends')
    .description('day-over-day spend with alerts above a growth ratio')
    .option('--time-range <range>', 'e.g. 7d', '7d')
    .option('--alert-threshold <ratio>', 'alert when spend grows by this factor', '1.2')
    .option('--format <format>', 'table | csv | json', 'table')
    .action((options: { timeRange: string; alertThreshold: string; format: string }) => {
      const threshold = Number(options.alertThreshold);
      if (!Number.isFinite(threshold) || threshold <= 0) throw new FortitudeError('bad_request', `--alert-threshold: expected a positive ratio such as 1.2 (got "${options.alertThreshold}")`);
      return run((operator) => operator.costsTrends({ timeRange: range(options.timeRange), alertThreshold: threshold, format: format(options.format) }));
    });
  costs
    .command('report')
    .description('export a cost report')
    .option('--format <format>', 'csv | json | table', 'table')
    .option('--time-range <range>', 'e.g. 30d', '30d')
    .action((options: { format: string; timeRange: string }) => run((operator) => operator.costsReport({ timeRange: range(options.timeRange), format: format(options.format) })));

  benchmark
    .command('analyze-providers')
    .description('rank providers by measured latency, availability, cost and quality')
    .option('--time-range <range>', 'e.g. 7d', '7d')
    .option('--results-dir <dir>', "a folder of the seed script's provider-<name>-results.txt (curl -w timings); without it, recorded requests")
    .option('--format <format>', 'table | csv | json', 'table')
    .action(async (options: { timeRange: string; format: string; resultsDir?: string }) => {
      if (options.resultsDir !== undefined) {
        const resultsDir = options.resultsDir;
        const { readProviderResults, renderProviderResults } = await import('./provider-results.js');
        return context.out(renderProviderResults(readProviderResults(resultsDir), format(options.format), resultsDir));
      }
      return run((operator) => operator.analyzeProviders({ timeRange: range(options.timeRange), format: format(options.format) }));
    });

  const learning = program.command('learning').description('what routing has learned');
  withServerOptions(
    learning.command('status').description('per-provider quality estimates by research type, and recent adaptations (the running server\'s, all workers)').option('--format <format>', 'table | csv | json', 'table'),
    context,
  ).action(async (options: ServerCommandOptions & { format: string }) => {
    const chosen = format(options.format);
    const server = serverOptionsOf(options);
    const status = await liveOrStored(context, server, () => getJson<LearningStatus>(server, '/api/admin/learning'), 'what is stored (the routing journal and learning_data)', () =>
      withOperator((operator) => operator.learningStatus({ format: 'json' })).then((text) => JSON.parse(text) as LearningStatus),
    );
    const { renderLearningStatus } = await import('../../../pipeline/routing/learning-render.js');
    context.out(renderLearningStatus(status, chosen));
  });
}

function format(value: string): ReportFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new FortitudeError('bad_request', `--format: expected one of ${FORMATS.join(', ')} (got "${value}")`);
}

function fraction(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) throw new FortitudeError('bad_request', `${flag}: expected a number from 0 to 1 (got "${value}")`);
  return number;
}

function range(value: string): string {
  if (!/^\d+(m|h|d|w)$/.test(value)) throw new FortitudeError('bad_request', `--time-range: expected a span such as 24h, 7d or 30d (got "${value}")`);
  return value;
}
