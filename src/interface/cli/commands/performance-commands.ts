import { writeFileSync } from 'node:fs';
import { newTable } from '../table.js';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { DashboardSnapshot } from '../../dashboard/dashboard-snapshot.js';
import { ANALYSIS_COMPONENTS } from '../../../operations/profiling/analysis-components.js';
import type { PerformanceAnalysis } from '../../../operations/profiling/performance-analysis.js';
import type { PerformanceReport } from '../../../operations/profiling/performance-report.js';
import type { CliContext } from '../cli-context.js';
import { formatMs as ms, formatPct as pct, formatUsd as usd, getJson, parseDuration, serverOptionsOf, withServerOptions } from './server-client.js';

/**
 * `fortitude performance analyze | monitor | report`, against a running server: the analysis
 * and report are computed there (it holds the metrics window, storage and alert state); this
 * side renders them.
 */

const REPORT_FORMATS = ['detailed', 'json', 'html'] as const;
const plainTable = (head: string[]) => newTable({ head, style: { head: [], border: [] } });
const value = (number: number | null) => (number === null ? '—' : String(Number(number.toPrecision(4))));

export function registerPerformanceCommands(program: Command, context: CliContext): void {
  const performance = program.command('performance').description('analyse, monitor and report the performance of a running server');

  withServerOptions(
    performance
      .command('analyze')
      .description('judge the recent window against sla_targets; bottlenecks and recommendations')
      .option('--comprehensive', 'every component (the default without --component)')
      .option('--component <name>', `one of ${ANALYSIS_COMPONENTS.join(', ')}`)
      .option('--duration <seconds>', 'span to analyse, e.g. 3600 or 1h', '3600')
      .option('--json', 'print JSON'),
    context,
  ).action(async (options: { component?: string; comprehensive?: boolean; duration: string; json?: boolean; url?: string; apiKey?: string }) => {
    if (options.component !== undefined && !(ANALYSIS_COMPONENTS as readonly string[]).includes(options.component)) {
      throw new FortitudeError('bad_request', `--component: expected one of ${ANALYSIS_COMPONENTS.join(', ')} (got "${options.component}")`);
    }
    if (options.component && options.comprehensive) throw new FortitudeError('bad_request', '--comprehensive and --component exclude each other');
    const durationMs = parseDuration(options.duration, '--duration');
    const analysis = await getJson<PerformanceAnalysis>(serverOptionsOf(options), '/api/performance/analysis', {
      duration_s: Math.max(1, Math.round(durationMs / 1000)),
      component: options.component,
    });
    context.out(options.json ? JSON.stringify(analysis, null, 2) : renderAnalysis(analysis));
  });

  withServerOptions(
    performance
      .command('monitor')
      .description('live terminal view, redrawn every interval (Ctrl-C stops)')
      .option('--real-time', 'follow live (the only mode; accepted for the seed’s command line)')
      .option('--interval <seconds>', 'seconds between redraws', '5')
      .option('--span <seconds>', 'window each frame summarises, e.g. 60 or 5m', '60')
      .option('--iterations <n>', 'stop after n frames (default: until Ctrl-C)'),
    context,
  ).action(async (options: { interval: string; span: string; iterations?: string; url?: string; apiKey?: string }) => {
    const intervalMs = parseDuration(options.interval, '--interval');
    if (intervalMs < 200) throw new FortitudeError('bad_request', '--interval: at least 0.2 s');
    const spanSeconds = Math.max(10, Math.round(parseDuration(options.span, '--span') / 1000));
    const iterations = options.iterations === undefined ? Infinity : Number(options.iterations);
    if (!(iterations >= 1) || (iterations !== Infinity && !Number.isInteger(iterations))) throw new FortitudeError('bad_request', `--iterations: expected a whole number ≥ 1 (got "${options.iterations}")`);
    await monitor(context, serverOptionsOf(options), { intervalMs, spanSeconds, iterations });
  });

  withServerOptions(
    performance
      .command('report')
      .description('performance report: SLA, charts, bottlenecks, optimizer decisions, alerts')
      .option('--time-range <range>', 'e.g. 1h, 24h, 7d', '24h')
      .option('--format <format>', REPORT_FORMATS.join(' | '), 'detailed')
      .option('--output <file>', 'write to a file instead of stdout'),
    context,
  ).action(async (options: { timeRange: string; format: string; output?: string; url?: string; apiKey?: string }) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(options.format)) throw new FortitudeError('bad_request', `--format: expected ${REPORT_FORMATS.join(', ')} (got "${options.format}")`);
    const rangeMs = parseDuration(options.timeRange, '--time-range', 'h');
    const report = await getJson<PerformanceReport>(serverOptionsOf(options), '/api/performance/report', { range_s: Math.max(60, Math.round(rangeMs / 1000)) });
    const text = options.format === 'json' ? JSON.stringify(report, null, 2) : options.format === 'html' ? (await import('../../../operations/profiling/render-report-html.js')).renderReportHtml(report) : renderReportText(report);
    if (options.output) {
      writeFileSync(options.output, text);
      context.err(`report written to ${options.output}`);
    } else context.out(text);
  });
}

function statusMark(status: string): string {
  return status === 'ok' ? '✓ ok' : status === 'breach' ? '✗ BREACH' : '· no data';
}

export function renderAnalysis(analysis: PerformanceAnalysis): string {
  const lines: string[] = [];
  lines.push(
    `Performance analysis — ${analysis.components.join(', ')} — last ${Math.round(analysis.coveredMs / 1000)} s` +
      ` (${analysis.traffic.requests} API requests, ${analysis.traffic.requestRate.toFixed(2)}/s; ${analysis.traffic.providerCalls} provider calls)`,
  );
  for (const note of analysis.notes) lines.push(`note: ${note}`);
  if (analysis.sla.length > 0) {
    const table = plainTable(['SLA', 'target', 'observed', 'status', 'samples']);
    for (const check of analysis.sla) table.push([check.metric, check.target, check.unit === 'ms' ? ms(check.observed) : pct(check.observed, 3), statusMark(check.status), check.samples]);
    lines.push('', table.toString());
  }
  lines.push('', analysis.bottlenecks.length === 0 ? 'Bottlenecks: none found in this window.' : 'Bottlenecks:');
  for (const bottleneck of analysis.bottlenecks) lines.push(`  [${bottleneck.severity}] ${bottleneck.component}: ${bottleneck.finding}`);
  if (analysis.recommendations.length > 0) {
    lines.push('', 'Recommendations:');
    analysis.recommendations.forEach((recommendation, index) => lines.push(`  ${index + 1}. ${recommendation}`));
  }
  const sections = analysis.sections;
  if (sections.api) {
    const api = sections.api;
    lines.push('', `API: ${api.requests} requests · ${api.errors} server errors · ${api.clientErrors} client errors · p50 ${ms(api.latency.p50)} · p95 ${ms(api.latency.p95)} · p99 ${ms(api.latency.p99)} · max ${ms(api.latency.max)} · ${api.concurrentRequests} in flight`);
  }
  if (sections.providers) {
    const table = plainTable(['provider', 'calls', 'success', 'p50', 'p95', 'p99', 'recorded p95 (n)', 'cost/request', 'quality', 'circuit']);
    for (const row of sections.providers) {
      table.push([
        row.name,
        row.calls,
        pct(row.successRate),
        ms(row.latency.p50),
        ms(row.latency.p95),
        ms(row.latency.p99),
        row.recorded ? `${ms(row.recorded.p95)} (${row.recorded.count})` : '—',
        usd(row.costPerRequest),
        row.quality === null ? '—' : row.quality.toFixed(3),
        row.circuit,
      ]);
    }
    lines.push('', 'Providers:', table.toString());
  }
  if (sections.quality) {
    const quality = sections.quality;
    lines.push(
      '',
      `Quality: evaluation p50 ${ms(quality.evaluationTime.p50)} · p95 ${ms(quality.evaluationTime.p95)} · p99 ${ms(quality.evaluationTime.p99)} over ${quality.evaluationTime.count} · mean score ${quality.score.avg?.toFixed(3) ?? '—'}`,
    );
    for (const [type, entry] of Object.entries(quality.byResearchType)) lines.push(`  ${type}: ${entry.avg?.toFixed(3) ?? '—'} (${entry.count})`);
  }
  if (sections.cache) {
    const cache = sections.cache;
    lines.push('', `Cache: hit ratio ${pct(cache.hitRatio)} over ${cache.hits + cache.misses} lookups`);
    for (const [level, entry] of Object.entries(cache.byLevel)) lines.push(`  ${level}: ${pct(entry.hitRatio)} (${entry.hits}/${entry.hits + entry.misses})`);
  }
  if (sections.learning) {
    const learning = sections.learning;
    lines.push(
      '',
      `Learning: adaptation p95 ${ms(learning.adaptationTime.p95)} (${learning.adaptationTime.count}) · pattern processing p95 ${ms(learning.patternProcessing.p95)} (${learning.patternProcessing.count}) · feedback latency p95 ${ms(learning.feedbackLatency.p95)} (${learning.feedbackLatency.count})`,
      `  optimizer: ${learning.optimizer.decisions} decisions${Object.keys(learning.optimizer.byOutcome).length > 0 ? ` (${Object.entries(learning.optimizer.byOutcome).map(([outcome, count]) => `${outcome} ${count}`).join(', ')})` : ''}`,
    );
    for (const record of learning.optimizer.recent) lines.push(`  ${new Date(record.createdAt).toISOString().slice(0, 19)} ${record.outcome ?? 'pending'} ${record.subject} (confidence ${record.confidenceScore.toFixed(2)})`);
  }
  if (sections.system) {
    const system = sections.system;
    const lag = system.eventLoopLag;
    lines.push(
      '',
      `System: event-loop delay ${lag ? `p50 ${ms(lag.p50)} · p99 ${ms(lag.p99)} · max ${ms(lag.max)}` : 'not measured'} · ${system.processes} process(es)` +
        `${system.redisDegraded ? ' · Redis DEGRADED' : ''} · budget ${Object.entries(system.budget).map(([scope, value]) => `${scope} ${pct(value, 1)}`).join(', ') || '—'}`,
    );
  }
  if (analysis.costOpportunities.length > 0) {
    lines.push('', 'Cost opportunities:');
    for (const opportunity of analysis.costOpportunities) lines.push(`  ${opportunity.summary}`);
  }
  return lines.join('\n');
}

const SPARK = '▁▂▃▄▅▆▇█';

/** Unicode sparkline of the values (nulls as spaces). */
export function sparkline(values: (number | null)[]): string {
  const present = values.filter((value): value is number => value !== null);
  const max = Math.max(0, ...present);
  return values.map((value) => (value === null ? ' ' : SPARK[max > 0 ? Math.min(7, Math.floor((value / max) * 7.999)) : 0])).join('');
}

export function renderMonitorFrame(snapshot: DashboardSnapshot, url: string): string {
  const api = snapshot.api;
  const sla = snapshot.sla;
  const check = (value: number | null, target: number) => (value === null ? ' ' : value <= target ? '✓' : '✗');
  const lines = [
    `Fortitude · ${url} · ${new Date(snapshot.at).toLocaleTimeString()} · last ${Math.round(snapshot.spanMs / 1000)} s · ${snapshot.processes} process(es)` +
      (snapshot.alerts ? ` · alerts: ${snapshot.alerts.firing} firing, ${snapshot.alerts.pending} pending` : ''),
    '',
    `API       ${api.requests} requests · ${api.requestRate.toFixed(2)}/s · ${api.concurrentRequests} in flight · errors ${pct(api.errorRate)} · availability ${pct(api.availability, 3)}`,
    `latency   p50 ${ms(api.latency.p50)} ${check(api.latency.p50, sla.api.p50)}   p95 ${ms(api.latency.p95)} ${check(api.latency.p95, sla.api.p95)}   p99 ${ms(api.latency.p99)} ${check(api.latency.p99, sla.api.p99)}   (targets ${sla.api.p50}/${sla.api.p95}/${sla.api.p99} ms)`,
    `p95 trend ${sparkline(snapshot.timeline.slice(-60).map((point) => point.p95))}`,
    `quality   evaluation p95 ${ms(snapshot.quality.evaluationTime.p95)} ${check(snapshot.quality.evaluationTime.p95, sla.quality.p95)} · mean score ${snapshot.quality.score.avg?.toFixed(3) ?? '—'}`,
    `cache     hit ratio ${pct(snapshot.cache.hitRatio, 1)} (${snapshot.cache.hits}/${snapshot.cache.hits + snapshot.cache.misses})`,
    `budget    ${snapshot.budget.daily ? `today ${pct(snapshot.budget.daily.utilisation, 1)} of ${usd(snapshot.budget.daily.limitUsd)}` : '—'}${snapshot.budget.monthly ? ` · month ${pct(snapshot.budget.monthly.utilisation, 1)}` : ''} · cost/request ${usd(snapshot.costPerRequest)}`,
    '',
  ];
  const table = plainTable(['provider', 'calls', 'success', 'p50', 'p95', 'p99', 'cost/request', 'circuit']);
  for (const provider of snapshot.providers) table.push([provider.name, provider.calls, pct(provider.successRate), ms(provider.p50), ms(provider.p95), ms(provider.p99), usd(provider.costPerRequest), provider.circuit]);
  lines.push(snapshot.providers.length > 0 ? table.toString() : 'providers: no calls in this span');
  for (const alert of snapshot.alerts?.active ?? []) lines.push(`ALERT ${alert.state.toUpperCase()} [${alert.severity}] ${alert.name}: ${alert.condition} (value ${value(alert.value)})`);
  return lines.join('\n');
}

async function monitor(context: CliContext, server: ReturnType<typeof serverOptionsOf>, options: { intervalMs: number; spanSeconds: number; iterations: number }): Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  try {
    for (let frame = 0; frame < options.iterations && !stopped; frame++) {
      let text: string;
      try {
        text = renderMonitorFrame(await getJson<DashboardSnapshot>(server, '/api/dashboard/snapshot', { span_s: options.spanSeconds }), server.url);
      } catch (error) {
        if (frame === 0) throw error; // nothing to monitor: say why and exit non-zero
        text = `${new Date().toLocaleTimeString()} · ${error instanceof Error ? error.message : String(error)} — retrying`;
      }
      context.out(context.isTty ? `\x1b[2J\x1b[H${text}` : `${text}\n`);
      if (frame + 1 >= options.iterations || stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function renderReportText(report: PerformanceReport): string {
  const iso = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19);
  const lines = [
    `Fortitude performance report · ${iso(report.range.from)} – ${iso(report.range.to)} UTC`,
    `live window: ${Math.round(report.window.spanMs / 1000)} s in ${Math.round(report.window.bucketMs / 1000)} s buckets, ${report.window.processes} process(es)`,
    '',
    renderAnalysis(report.analysis),
    '',
  ];
  const timeline = report.window.timeline;
  if (timeline.length > 0) lines.push(`API p95 over the window: ${sparkline(timeline.slice(-80).map((point) => point.p95))}`, '');
  const usage = plainTable(['provider', 'requests', 'errors', 'cached', 'input tokens', 'output tokens', 'cost']);
  for (const row of report.recorded.costByProvider) usage.push([row.provider ?? '—', row.requests, row.errors, row.cachedRequests, row.inputTokens, row.outputTokens, usd(row.costUsd)]);
  lines.push('Recorded usage over the range (provider_requests):', report.recorded.costByProvider.length > 0 ? usage.toString() : '  none', '');
  const latency = plainTable(['provider', 'n', 'mean', 'p50', 'p90', 'p95', 'p99', 'max']);
  for (const row of report.recorded.latency) latency.push([row.provider, row.count, ms(row.meanMs), ms(row.p50), ms(row.p90), ms(row.p95), ms(row.p99), ms(row.maxMs)]);
  lines.push('Recorded provider latency over the range:', report.recorded.latency.length > 0 ? latency.toString() : '  none', '');
  lines.push(`Optimizer decisions (${report.optimizer.decisions.length}${Object.keys(report.optimizer.byOutcome).length > 0 ? `: ${Object.entries(report.optimizer.byOutcome).map(([outcome, count]) => `${outcome} ${count}`).join(', ')}` : ''}):`);
  for (const decision of report.optimizer.decisions.slice(0, 50)) {
    lines.push(
      `  ${iso(decision.at)} ${(decision.outcome ?? 'pending').padEnd(11)} ${decision.description ?? decision.subject} (confidence ${decision.confidence.toFixed(2)}${decision.reason ? `, ${decision.reason}` : ''})` +
        (decision.metric ? ` — ${decision.metric}: ${decision.before ?? '—'} → ${decision.after ?? '—'}` : ''),
    );
  }
  if (report.optimizer.decisions.length === 0) lines.push('  none in this range');
  lines.push('', 'Alerts:');
  if (report.alerts === null) lines.push('  this server runs no alert engine');
  else {
    if (report.alerts.active.length === 0) lines.push('  none pending or firing');
    for (const alert of report.alerts.active) lines.push(`  ${alert.state.toUpperCase()} [${alert.severity}] ${alert.name}: ${alert.condition} (value ${value(alert.value)}, since ${iso(alert.since)})`);
    for (const transition of report.alerts.history.slice(0, 20)) lines.push(`  ${iso(transition.at)} ${transition.name}: ${transition.from} → ${transition.to} (value ${value(transition.value)})`);
  }
  return lines.join('\n');
}

