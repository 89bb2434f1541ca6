import { newTable } from '../table.js';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import { DEFAULT_SWEEP } from '../../../operations/cache-eval/default-sweep.js';
import type { PairsReport, PopulateReport, ServedExample, SweepRow } from '../../../operations/cache-eval/evaluate-cache.js';
import type { Proportion } from '../../../operations/cache-eval/wilson.js';
import type { CliContext } from '../cli-context.js';

interface EvalOptions {
  pairs?: string;
  populate?: string;
  queries?: string;
  labels?: string;
  sweep?: string | boolean;
  json?: boolean;
}

/** `fortitude cache eval`: the configured cache tiers measured on labelled pairs, in isolation. */
export function registerCacheEvalCommand(cache: Command, context: CliContext): void {
  cache
    .command('eval')
    .description('measure the configured exact and semantic tiers on labelled question pairs (fresh temporary cache; your data is not touched)')
    .option('--pairs <file>', 'JSONL, one {"q1", "q2", "duplicate": true|false, "category"?} a line: stores q1, looks q2 up')
    .option('--populate <file>', 'load these questions first (JSONL or one a line), then ask first-time questions (--queries, or the non-duplicate q2 of --pairs)')
    .option('--queries <file>', 'with --populate: the first-time questions (JSONL or one a line)')
    .option('--labels <file>', 'with --populate: more labelled pairs (JSONL, as --pairs); a first-time question served a question labelled its duplicate (here or in --pairs) is not counted false')
    .option('--sweep [thresholds]', `also measure other semantic thresholds (comma-separated, e.g. 0.8,0.9, or [0.8,0.9]; alone: ${DEFAULT_SWEEP.join(',')})`)
    .option('--json', 'print the report as JSON')
    .action(async (options: EvalOptions) => {
      const sweep = sweepOf(options.sweep);
      if (!options.pairs && !options.populate) throw new FortitudeError('bad_request', 'cache eval: pass --pairs FILE (labelled pairs), or --populate FILE with --queries FILE or --pairs FILE');
      if (options.queries && !options.populate) throw new FortitudeError('bad_request', '--queries: only used with --populate FILE (the questions loaded first)');
      if (options.labels && !options.populate) throw new FortitudeError('bad_request', '--labels: only used with --populate FILE (it judges what first-time questions are served)');
      const [{ evaluatePairs, evaluatePopulate }, { readPairs, readQuestions }] = await Promise.all([
        import('../../../operations/cache-eval/evaluate-cache.js'),
        import('../../../operations/cache-eval/pairs-file.js'),
      ]);
      // Read and check every input before building anything.
      const pairs = options.pairs ? await readPairs(options.pairs) : undefined;
      const populate = options.populate ? await readQuestions(options.populate, '--populate') : undefined;
      const labels = options.labels ? await readPairs(options.labels, '--labels') : undefined;
      // Duplicate labels judge --populate's served answers when there are any labels at all.
      const duplicates = populate && (pairs || labels) ? [...(pairs ?? []), ...(labels ?? [])].filter((pair) => pair.duplicate) : undefined;
      let firstTime: string[] | undefined;
      if (populate) {
        firstTime = options.queries ? await readQuestions(options.queries, '--queries') : pairs!.filter((pair) => !pair.duplicate).map((pair) => pair.q2);
        if (firstTime.length === 0) throw new FortitudeError('bad_request', `--pairs ${options.pairs}: no pair with "duplicate": false to use as first-time questions; pass --queries FILE`);
      }
      const progress = (message: string) => context.err(`cache eval: ${message}`);
      const target = await context.openCacheEvaluation();
      try {
        const evaluation = { ...(sweep ? { sweep } : {}), ...(duplicates ? { duplicates } : {}), onProgress: progress };
        const report = populate ? await evaluatePopulate(populate, firstTime!, target, evaluation) : await evaluatePairs(pairs!, target, evaluation);
        if (sweep && !report.setup.semantic) progress('--sweep skipped: caching.semantic.enabled is false');
        context.out(options.json ? JSON.stringify(report, null, 2) : report.mode === 'pairs' ? renderPairs(report, options.pairs!) : renderPopulate(report, options));
      } finally {
        await target.close();
      }
    });
}

/** `--sweep` alone (the default thresholds), `--sweep 0.8,0.9` or, as a JSON-style list, `--sweep '[0.8,0.9]'`. */
export function sweepOf(value: string | boolean | undefined): number[] | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_SWEEP;
  const list = /^\s*\[(.*)\]\s*$/s.exec(value)?.[1] ?? value;
  const thresholds = list.split(',').map((part) => part.trim()).filter(Boolean).map(Number);
  if (thresholds.length === 0 || thresholds.some((threshold) => !Number.isFinite(threshold) || threshold <= 0 || threshold > 1))
    throw new FortitudeError('bad_request', `--sweep: expected comma-separated similarity thresholds between 0 and 1, e.g. 0.8,0.9,0.95 or [0.8,0.9,0.95] (got "${value}")`);
  return thresholds;
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const proportion = (value: Proportion) =>
  value.total === 0 ? '– (none)' : `${pct(value.rate)} (${value.count}/${value.total}) [95 % CI ${pct(value.low)}–${pct(value.high)}]`;
const short = (value: Proportion) => (value.total === 0 ? '–' : `${pct(value.rate)} (${value.count}/${value.total})`);

function header(report: PairsReport | PopulateReport): string {
  const semantic = report.setup.semantic;
  const exact = report.setup.exactLevels.length > 0 ? `exact (${report.setup.exactLevels.join(', ')})` : 'exact (no level enabled)';
  return `tiers as serve runs them: ${exact} → library → ${semantic ? `semantic (embedder ${semantic.embedder}, threshold ${semantic.threshold})` : 'semantic disabled'}; ` +
    `context: the classifier's, as serve; fresh temporary cache, deleted after`;
}

function sweepTable(rows: SweepRow[], configured: number | undefined): string {
  const pairs = rows.some((row) => row.recall);
  const labelled = rows.some((row) => row.falseServed);
  const head = pairs
    ? ['threshold', 'recall', 'false hits', 'false hits 95 % upper']
    : ['threshold', 'first-time questions served', '95 % upper', ...(labelled ? ['served a non-duplicate', '95 % upper'] : [])];
  const table = newTable({ head, style: { head: [], border: [] } });
  for (const row of rows) {
    const threshold = `${row.threshold.toFixed(2)}${row.threshold === configured ? ' (configured)' : ''}`;
    const upper = (value: Proportion | undefined) => (value && value.total > 0 ? pct(value.high) : '–');
    if (pairs) table.push([threshold, short(row.recall!), short(row.falseHits!), upper(row.falseHits)]);
    else table.push([threshold, short(row.served!), upper(row.served), ...(labelled ? [short(row.falseServed!), upper(row.falseServed)] : [])]);
  }
  return table.toString();
}

function examples(title: string, rows: ServedExample[]): string[] {
  if (rows.length === 0) return [];
  const lines = ['', title];
  for (const row of rows) {
    const where = row.line !== undefined ? `line ${row.line}${row.category ? `, ${row.category}` : ''}: ` : '';
    const label = row.labelledDuplicate === undefined ? '' : row.labelledDuplicate ? ' (labelled duplicate)' : ' (not labelled a duplicate)';
    lines.push(`  ${row.similarity.toFixed(4)} ${row.tier.padEnd(8)} ${where}asked "${row.asked}" → served "${row.stored}"${label}`);
  }
  return lines;
}

function renderPairs(report: PairsReport, file: string): string {
  const lines = [
    `cache eval: ${report.pairs} pairs from ${file} (${report.recall.total} duplicates, ${report.falseHits.total} non-duplicates)`,
    header(report),
    '',
    `recall (duplicates served):          ${proportion(report.recall)}; exact ${report.recall.exact}, semantic ${report.recall.semantic}`,
    `false hits (non-duplicates served):  ${proportion(report.falseHits)}; exact ${report.falseHits.exact}, semantic ${report.falseHits.semantic}`,
  ];
  if (report.categories.length > 0) {
    const table = newTable({ head: ['category', 'recall', 'false hits', 'false hits 95 % CI'], style: { head: [], border: [] } });
    for (const row of report.categories)
      table.push([row.category, short(row.recall), short(row.falseHits), row.falseHits.total > 0 ? `${pct(row.falseHits.low)}–${pct(row.falseHits.high)}` : '–']);
    lines.push('', 'per category:', table.toString());
  }
  if (report.sweep.length > 0) lines.push('', 'threshold sweep (semantic tier; the exact tiers serve at any threshold):', sweepTable(report.sweep, report.setup.semantic?.threshold));
  lines.push(...examples(`worst false hits (top ${report.worstFalseHits.length} by similarity):`, report.worstFalseHits));
  if (report.semanticStoreErrors > 0) lines.push('', `warning: ${report.semanticStoreErrors} semantic writes failed (those q1 were stored in the exact tiers only)`);
  lines.push('', `${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

function renderPopulate(report: PopulateReport, options: EvalOptions): string {
  const source = options.queries ? `--queries ${options.queries}` : `the non-duplicate q2 of --pairs ${options.pairs}`;
  const lines = [
    `cache eval --populate: ${report.populated} questions loaded from ${options.populate}; ${report.served.total} first-time questions from ${source}` +
      (report.skipped > 0 ? ` (${report.skipped} skipped: repeated or already loaded)` : ''),
    header(report),
    '',
    `first-time questions served anything: ${proportion(report.served)}; exact ${report.served.exact}, semantic ${report.served.semantic}`,
  ];
  if (report.falseServed) {
    lines.push(
      `served a question neither it nor labelled its duplicate (false): ${proportion(report.falseServed)}; exact ${report.falseServed.exact}, semantic ${report.falseServed.semantic}` +
        ` (${report.served.count - report.falseServed.count} served a labelled duplicate)`,
    );
  }
  if (report.sweep.length > 0) lines.push('', 'threshold sweep (semantic tier):', sweepTable(report.sweep, report.setup.semantic?.threshold));
  lines.push(...examples(`served first-time questions (top ${report.worstServed.length} by similarity):`, report.worstServed));
  if (report.semanticStoreErrors > 0) lines.push('', `warning: ${report.semanticStoreErrors} semantic writes failed`);
  lines.push('', `${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
