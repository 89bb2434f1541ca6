import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import { roundUsdFields } from '../../../core/money.js';
import { RESEARCH_TYPES, SIMULATED_BANNER, withRoundedCost, type ResearchType } from '../../../core/research.js';
import type { CliContext } from '../cli-context.js';
import { renderLibraryTable, renderResult } from '../render.js';

const STAGE_TEXT: Record<string, string> = {
  classify: 'classifying',
  cache: 'checking the cache',
  provider: 'asking the provider',
  evaluate: 'evaluating quality',
  store: 'storing in the reference library',
};

export function registerResearchCommands(program: Command, context: CliContext): void {
  program
    .command('research <query>')
    .description('ask a research question: classify → cache → provider → evaluate → store')
    .option('-t, --type <type>', `research type (${RESEARCH_TYPES.join('|')}); overrides the classifier`)
    .option('-p, --provider <name>', 'ask this configured provider first')
    .option('--cross-validate', 'ask a second provider and score the agreement')
    .option('--quality-threshold <score>', 'retry on the next provider below this score (0–1)')
    .option('--no-cache', 'skip the cache (still stores the answer)')
    .option('--json', 'print the result as JSON')
    .action(async (query: string, options: { type?: string; provider?: string; crossValidate?: boolean; qualityThreshold?: string; cache: boolean; json?: boolean }) => {
      const services = await context.openResearch();
      const spinner = context.isTty && !options.json ? (await import('ora')).default({ stream: process.stderr, text: 'starting' }).start() : undefined;
      try {
        if (services.simulatedProviders.length > 0 && !options.json) context.err(`note: ${services.simulatedProviders.join(', ')} simulated (no API key set)`);
        const result = await services.research(
          {
            query,
            ...(options.type ? { type: parseType(options.type) } : {}),
            ...(options.provider ? { provider: options.provider } : {}),
            ...(options.crossValidate ? { crossValidate: true } : {}),
            ...(options.qualityThreshold !== undefined ? { qualityThreshold: parseScore(options.qualityThreshold, '--quality-threshold') } : {}),
            ...(options.cache ? {} : { cache: { refresh: true } }),
          },
          { onStage: (stage) => spinner && (spinner.text = STAGE_TEXT[stage] ?? stage) },
        );
        spinner?.stop();
        const shown = withRoundedCost(result);
        context.out(options.json ? JSON.stringify(shown.simulated ? { notice: SIMULATED_BANNER, ...shown } : shown, null, 2) : renderResult(result));
      } finally {
        spinner?.stop();
        await services.close();
      }
    });

  program
    .command('list')
    .description('list stored research results, newest first')
    .option('-t, --type <type>', 'only this research type')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print JSON')
    .action(async (options: { type?: string; limit: string; offset: string; json?: boolean }) => {
      const services = await context.openStoredData();
      try {
        const page = await services.listResults({
          ...(options.type ? { type: parseType(options.type) } : {}),
          limit: parseCount(options.limit, '--limit'),
          offset: parseCount(options.offset, '--offset'),
        });
        context.out(options.json ? JSON.stringify(roundUsdFields(page), null, 2) : renderLibraryTable(page.items, page.total));
      } finally {
        await services.close();
      }
    });

  program
    .command('show <id>')
    .description('show one stored research result (id, id prefix from `list`, or slug)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const services = await context.openStoredData();
      try {
        const result = await services.getResult(id);
        if (!result) throw new FortitudeError('not_found', `no research result "${id}" (see fortitude list)`);
        context.out(options.json ? JSON.stringify(withRoundedCost(result), null, 2) : renderResult(result));
      } finally {
        await services.close();
      }
    });

  program
    .command('search <text>')
    .description('full-text search of the reference library')
    .option('-t, --type <type>', 'only this research type')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print JSON')
    .action(async (text: string, options: { type?: string; limit: string; offset: string; json?: boolean }) => {
      const services = await context.openStoredData();
      try {
        const page = await services.searchResults({
          q: text,
          ...(options.type ? { type: parseType(options.type) } : {}),
          limit: parseCount(options.limit, '--limit'),
          offset: parseCount(options.offset, '--offset'),
        });
        context.out(options.json ? JSON.stringify(roundUsdFields(page), null, 2) : renderLibraryTable(page.items, page.total, { withScore: true }));
      } finally {
        await services.close();
      }
    });

  program
    .command('feedback <id>')
    .description('rate a research result 1–5, with an optional comment')
    .requiredOption('-r, --rating <1-5>', 'rating from 1 (useless) to 5 (excellent)')
    .option('-m, --comment <text>', 'what was good or missing')
    .action(async (id: string, options: { rating: string; comment?: string }) => {
      const rating = Number(options.rating);
      if (!Number.isInteger(rating) || rating < 1 || rating > 5)
        throw new FortitudeError('bad_request', `--rating: expected a whole number from 1 to 5 (got "${options.rating}")`);
      const services = await context.openStoredFeedback();
      try {
        const result = await services.getResult(id);
        if (!result) throw new FortitudeError('not_found', `no research result "${id}" (see fortitude list)`);
        const saved = await services.submitFeedback({ resultId: result.id, rating, ...(options.comment ? { comment: options.comment } : {}) });
        context.out(`feedback ${saved.id} recorded for ${result.id}: ${rating}/5`);
      } finally {
        await services.close();
      }
    });
}

function parseType(value: string): ResearchType {
  if ((RESEARCH_TYPES as readonly string[]).includes(value)) return value as ResearchType;
  throw new FortitudeError('bad_request', `--type: expected one of ${RESEARCH_TYPES.join(', ')} (got "${value}")`);
}

function parseScore(value: string, flag: string): number {
  const score = Number(value);
  if (!Number.isFinite(score) || score < 0 || score > 1) throw new FortitudeError('bad_request', `${flag}: expected a number from 0 to 1 (got "${value}")`);
  return score;
}

export function parseCount(value: string, flag: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new FortitudeError('bad_request', `${flag}: expected a whole number 0–10000 (got "${value}")`);
  return count;
}
