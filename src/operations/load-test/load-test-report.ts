import { cpus, totalmem } from 'node:os';
import { lineChart } from '../profiling/svg-charts.js';
import { escapeXml as e } from '../profiling/svg-text.js';
import type { LoadPlan } from './load-plan.js';
import type { KindResult, LoadResult } from './open-loop-runner.js';

/** Markdown and HTML reports of a load test: the plan, percentiles per request kind, targets, a per-second timeline. */

/** What a load test must show (the `performance_targets` section). */
export interface PerformanceTargets {
  apiResponseTimeP95Ms: number;
  apiResponseTimeP99Ms: number;
  /** A fraction bound, e.g. `< 0.1%` is `{ op: '<', value: 0.001 }`. */
  errorRate: { op: '<' | '<=' | '>' | '>='; value: number; unit: string };
  /** Requests per second at full scale. */
  throughput: { op: '<' | '<=' | '>' | '>='; value: number; unit: string };
}

export interface TargetCheck {
  name: string;
  target: string;
  observed: string;
  status: 'pass' | 'fail' | 'n/a';
  note?: string;
}

export interface LoadReport {
  title: string;
  url: string;
  generatedAt: number;
  environment: { node: string; cpus: number; cpuModel: string; memoryBytes: number; platform: string };
  plan: LoadPlan;
  result: LoadResult;
  targets: TargetCheck[];
}

function holds(op: string, observed: number, value: number): boolean {
  return op === '<' ? observed < value : op === '<=' ? observed <= value : op === '>' ? observed > value : observed >= value;
}

const ms = (value: number | null) => (value === null ? '—' : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ms`);
const pct = (value: number) => `${(value * 100).toFixed(3)}%`;

export function checkTargets(plan: LoadPlan, result: LoadResult, targets: PerformanceTargets): TargetCheck[] {
  const overall = result.overall;
  const errorRate = overall.requests > 0 ? overall.errors / overall.requests : 0;
  const scaledThroughput = targets.throughput.value * plan.scale;
  const throughputApplies = plan.targetRps >= scaledThroughput || targets.throughput.op.startsWith('<');
  // An open-loop generator offers exactly the scenario's rate, so "> target" at an offered rate
  // equal to the target is judged as keeping up with it (within 5 %) after the ramp-up.
  const keptUp = targets.throughput.op.startsWith('>') ? result.steadyRps >= scaledThroughput * 0.95 : holds(targets.throughput.op, result.steadyRps, scaledThroughput);
  const latency = (name: string, observed: number | null, target: number): TargetCheck => ({
    name,
    target: `<= ${target} ms`,
    observed: ms(observed),
    status: observed === null ? 'n/a' : observed <= target ? 'pass' : 'fail',
  });
  return [
    latency('p95 response time', overall.p95, targets.apiResponseTimeP95Ms),
    latency('p99 response time', overall.p99, targets.apiResponseTimeP99Ms),
    {
      name: 'error rate',
      target: `${targets.errorRate.op} ${pct(targets.errorRate.value)}`,
      observed: `${pct(errorRate)} (${overall.errors} of ${overall.requests})`,
      status: overall.requests === 0 ? 'n/a' : holds(targets.errorRate.op, errorRate, targets.errorRate.value) ? 'pass' : 'fail',
    },
    {
      name: 'throughput',
      target: `${targets.throughput.op} ${scaledThroughput.toFixed(1)} rps${plan.scale !== 1 ? ` (${targets.throughput.value} × scale ${plan.scale})` : ''}`,
      observed: `${result.steadyRps.toFixed(1)} rps after ramp-up (${overall.throughput.toFixed(1)} over the run)`,
      status: !throughputApplies ? 'n/a' : keptUp ? 'pass' : 'fail',
      note: throughputApplies ? `the scenario offers ${plan.targetRps.toFixed(1)} rps; pass = served within 5 % of the goal` : `this scenario offers only ${plan.targetRps.toFixed(1)} rps`,
    },
  ];
}

export function buildLoadReport(input: { url: string; plan: LoadPlan; result: LoadResult; targets: PerformanceTargets; now?: number }): LoadReport {
  const cpu = cpus();
  return {
    title: `Fortitude load test: ${input.plan.scenario}`,
    url: input.url,
    generatedAt: input.now ?? Date.now(),
    environment: { node: process.version, cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryBytes: totalmem(), platform: `${process.platform}/${process.arch}` },
    plan: input.plan,
    result: input.result,
    targets: checkTargets(input.plan, input.result, input.targets),
  };
}

function planLines(report: LoadReport): string[] {
  const { plan } = report;
  const configured = plan.configured;
  return [
    `- configured (load_tests.api_tests): ${configured.users} users, ramp-up ${configured.rampUpMs / 1000} s, duration ${configured.durationMs / 1000} s, ${configured.targetRps !== undefined ? `target ${configured.targetRps} rps` : `scenarios ${(configured.scenarios ?? []).map((entry) => `${entry.name} ${entry.weight}%${entry.requestsPerSecond ? ` @ ${entry.requestsPerSecond} rps` : ''}`).join(', ')}`}`,
    `- run: scale ${plan.scale} → ${plan.users} users, ${plan.targetRps.toFixed(1)} rps at full load, ramp-up ${(plan.rampUpMs / 1000).toFixed(1)} s, duration ${(plan.durationMs / 1000).toFixed(1)} s`,
    `- mix: ${Object.entries(plan.mix)
      .filter(([, share]) => share > 0)
      .map(([kind, share]) => `${kind} ${(share * 100).toFixed(0)}%`)
      .join(', ')}`,
  ];
}

function rowOf(entry: KindResult): string[] {
  return [
    entry.kind,
    String(entry.requests),
    String(entry.errors),
    String(entry.rejected),
    entry.throughput.toFixed(1),
    ms(entry.mean),
    ms(entry.p50),
    ms(entry.p90),
    ms(entry.p95),
    ms(entry.p99),
    ms(entry.max),
  ];
}

const HEAD = ['request', 'n', 'errors', '4xx', 'rps', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'];

/** Timeline rows, merged into at most `limit` spans. */
function timelineRows(result: LoadResult, limit: number): string[][] {
  const points = result.timeline;
  const size = Math.max(1, Math.ceil(points.length / limit));
  const rows: string[][] = [];
  for (let start = 0; start < points.length; start += size) {
    const group = points.slice(start, start + size);
    const requests = group.reduce((total, point) => total + point.requests, 0);
    const errors = group.reduce((total, point) => total + point.errors, 0);
    const worst = (field: 'p50' | 'p95' | 'p99') => {
      const values = group.flatMap((point) => (point[field] === null ? [] : [point[field]!]));
      return values.length === 0 ? null : Math.max(...values);
    };
    rows.push([`${start}–${start + group.length} s`, String(requests), (requests / group.length).toFixed(1), String(errors), ms(worst('p50')), ms(worst('p95')), ms(worst('p99'))]);
  }
  return rows;
}

const TIMELINE_HEAD = ['span', 'requests', 'rps', 'errors', 'p50 (worst s)', 'p95 (worst s)', 'p99 (worst s)'];

function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function renderLoadReportMarkdown(report: LoadReport): string {
  const { result } = report;
  const environment = report.environment;
  return [
    `# ${report.title}`,
    '',
    `Generated ${new Date(report.generatedAt).toISOString()} against ${report.url} · Node ${environment.node} · ${environment.cpus} × ${environment.cpuModel} · ${(environment.memoryBytes / 2 ** 30).toFixed(1)} GiB · ${environment.platform}`,
    '',
    '## Plan',
    ...planLines(report),
    '',
    '## Results',
    `Latency is measured from when each request was due (open loop: queueing for a free user counts). ${result.sent} sent of ${result.due} due; ${result.queued} waited for a user; ${result.notSent} still queued at the end; ${result.unfinished} unanswered after the drain.`,
    '',
    markdownTable(HEAD, [rowOf(result.overall), ...result.byKind.map(rowOf)]),
    '',
    `Service time (send → answer): p50 ${ms(result.serviceTime.p50)}, p95 ${ms(result.serviceTime.p95)}, p99 ${ms(result.serviceTime.p99)}. Status codes: ${Object.entries(result.statusCounts)
      .map(([status, count]) => `${status} × ${count}`)
      .join(', ')}.`,
    '',
    '## Targets (performance_targets)',
    markdownTable(
      ['target', 'goal', 'observed', 'result'],
      report.targets.map((check) => [check.name, check.target, check.observed, check.status.toUpperCase() + (check.note ? ` (${check.note})` : '')]),
    ),
    '',
    '## Timeline',
    markdownTable(TIMELINE_HEAD, timelineRows(result, 30)),
    '',
  ].join('\n');
}

export function renderLoadReportHtml(report: LoadReport): string {
  const { result } = report;
  const seconds = (point: { second: number }) => point.second;
  const charts = [
    lineChart({
      title: 'Latency by second (from due time)',
      yUnit: 'ms',
      xFormat: (x) => `${Math.round(x)} s`,
      series: [
        { name: 'p50', points: result.timeline.map((point) => [seconds(point), point.p50]) },
        { name: 'p95', points: result.timeline.map((point) => [seconds(point), point.p95]) },
        { name: 'p99', points: result.timeline.map((point) => [seconds(point), point.p99]) },
      ],
    }),
    lineChart({
      title: 'Requests and errors per second',
      xFormat: (x) => `${Math.round(x)} s`,
      series: [
        { name: 'requests', points: result.timeline.map((point) => [seconds(point), point.requests]) },
        { name: 'errors', colour: '#dc2626', points: result.timeline.map((point) => [seconds(point), point.errors]) },
      ],
    }),
  ];
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((cell) => `<th>${e(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${e(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const environment = report.environment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(report.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:24px auto;padding:0 16px;color:#1f2937}table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left}th{background:#f9fafb}.pass{color:#047857;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #e5e7eb;border-radius:6px}.meta{color:#4b5563;font-size:13px}
</style></head><body>
<h1>${e(report.title)}</h1>
<p class="meta">Generated ${e(new Date(report.generatedAt).toISOString())} against ${e(report.url)} · Node ${e(environment.node)} · ${environment.cpus} × ${e(environment.cpuModel)} · ${(environment.memoryBytes / 2 ** 30).toFixed(1)} GiB</p>
<h2>Plan</h2><ul>${planLines(report)
    .map((line) => `<li>${e(line.slice(2))}</li>`)
    .join('')}</ul>
<h2>Results</h2><p class="meta">Latency from due time (open loop). ${result.sent} sent of ${result.due} due; ${result.queued} waited for a user; ${result.notSent} still queued at the end; ${result.unfinished} unanswered after the drain.</p>
${table(HEAD, [rowOf(result.overall), ...result.byKind.map(rowOf)])}
<h2>Targets</h2><table><thead><tr><th>target</th><th>goal</th><th>observed</th><th>result</th></tr></thead><tbody>${report.targets
    .map((check) => `<tr><td>${e(check.name)}</td><td>${e(check.target)}</td><td>${e(check.observed)}</td><td class="${check.status === 'pass' ? 'pass' : check.status === 'fail' ? 'fail' : ''}">${e(check.status.toUpperCase())}${check.note ? ` (${e(check.note)})` : ''}</td></tr>`)
    .join('')}</tbody></table>
<h2>Timeline</h2><div class="charts">${charts.join('')}</div>
${table(TIMELINE_HEAD, timelineRows(result, 60))}
</body></html>
`;
}
