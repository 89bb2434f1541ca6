import { DASHBOARD_PANEL_NAMES, DEFAULT_DASHBOARD_LAYOUT } from '../../../interface/dashboard/dashboard-layout.js';
import { z } from 'zod';
import { ALERT_METRICS, type AlertCondition, type AlertMetric } from '../../../operations/sla/alert-condition.js';
import { fraction, milliseconds, parseBound, seconds, bound } from '../units.js';

const percentiles = (p50: number, p95: number, p99: number) =>
  z
    .strictObject({
      p50: milliseconds().default(p50),
      p95: milliseconds().default(p95),
      p99: milliseconds().default(p99),
    })
    .prefault({});

export const slaTargetsSchema = z
  .strictObject({
    api_response_time: percentiles(100, 200, 500),
    provider_response_time: percentiles(1000, 3000, 5000),
    quality_evaluation_time: percentiles(50, 100, 200),
    system_availability: fraction().default(0.999),
    error_rate: bound().prefault('< 0.1%'),
  })
  .prefault({});

const CONDITION_PATTERN = /^\s*(?:(p50|p95|p99|avg|max|rate)\(\s*([a-z_]+)\s*\)|([a-z_]+))\s*(.+)$/;

/** Parses `p95(api_response_time) > 200ms` or `error_rate > 0.1%`. */
export function parseAlertCondition(text: string): AlertCondition | string {
  const match = CONDITION_PATTERN.exec(text);
  if (!match) return 'expected "<aggregate>(<metric>) <op> <value>" such as "p95(api_response_time) > 200ms"';
  const metric = (match[2] ?? match[3]) as AlertMetric;
  if (!ALERT_METRICS.includes(metric)) return `unknown metric "${metric}"; known: ${ALERT_METRICS.join(', ')}`;
  const parsedBound = parseBound(match[4] ?? '');
  if (!parsedBound) return `cannot read the comparison "${match[4] ?? ''}"; write e.g. "> 200ms" or "> 0.1%"`;
  const aggregate = (match[1] ?? 'value') as AlertCondition['aggregate'];
  return { aggregate, metric, bound: parsedBound, text };
}

const alertSchema = z.strictObject({
  name: z.string().min(1),
  condition: z.string().transform((text, context) => {
    const parsed = parseAlertCondition(text);
    if (typeof parsed === 'string') {
      context.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
  duration: seconds().default(0),
  severity: z.enum(['critical', 'warning', 'info']).default('warning'),
});

export const SEED_ALERTS = [
  { name: 'SLA Violation - API Response Time', condition: 'p95(api_response_time) > 200ms', duration: '5m', severity: 'critical' },
  { name: 'SLA Violation - Error Rate', condition: 'error_rate > 0.1%', duration: '2m', severity: 'critical' },
  { name: 'Performance Degradation', condition: 'p95(api_response_time) > 150ms', duration: '10m', severity: 'warning' },
] as const;

export const monitoringSchema = z
  .strictObject({
    alerts: z.array(alertSchema).prefault(SEED_ALERTS.map((alert) => ({ ...alert }))),
    /** The `/dashboard` page: one group per entry, its panels in order (names from `DASHBOARD_PANELS`). */
    dashboards: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          panels: z.array(
            z.string().refine((panel) => (DASHBOARD_PANEL_NAMES as readonly string[]).includes(panel), {
              error: (issue) => `unknown panel "${String(issue.input)}"; known panels: ${DASHBOARD_PANEL_NAMES.join(', ')}`,
            }),
          ),
        }),
      )
      .default(DEFAULT_DASHBOARD_LAYOUT.map((dashboard) => ({ name: dashboard.name, panels: [...dashboard.panels] }))),
    // From the seed's load-testing.yaml, which has a `monitoring` block of its own.
    collect_metrics: z.boolean().default(true),
    real_time_alerts: z.boolean().default(true),
    generate_report: z.boolean().default(true),
    /** How often alert rules are evaluated. */
    evaluation_interval: seconds().default(10),
    /** Least observations in a rule's span (requests, provider calls, …) before it can hold. */
    min_samples: z.number().int().min(0).default(20),
    /** After start, how long before any rule can hold (cold first requests are slow). */
    warmup: seconds().default(60),
    webhooks: z
      .array(
        z.strictObject({
          url: z.url(),
          timeout_ms: z.number().int().positive().default(2000),
          max_retries: z.number().int().min(0).max(10).default(3),
        }),
      )
      .default([]),
  })
  .prefault({});

function flags<const K extends string>(keys: readonly K[]) {
  const shape = {} as Record<K, z.ZodDefault<z.ZodBoolean>>;
  for (const key of keys) shape[key] = z.boolean().default(true);
  return z.strictObject(shape).prefault({} as never);
}

export const metricsSchema = z
  .strictObject({
    collection: z
      .strictObject({
        enabled: z.boolean().default(true),
        high_resolution: z.boolean().default(true),
        sampling_rate: z.number().min(0).max(1).default(1.0),
      })
      .prefault({}),
    components: z
      .strictObject({
        api_server: flags(['request_duration', 'request_rate', 'error_rate', 'concurrent_requests'] as const),
        providers: flags(['response_time', 'token_usage', 'cost_per_request', 'success_rate'] as const),
        quality_system: flags(['evaluation_time', 'quality_scores', 'cache_hit_ratio'] as const),
        learning_system: flags(['adaptation_time', 'pattern_processing', 'feedback_latency'] as const),
        infrastructure: flags(['cpu_usage', 'memory_usage', 'disk_io', 'network_io'] as const),
      })
      .prefault({}),
    /** Distinct values per label before further values fold into `other`. */
    high_cardinality_limit: z.number().int().positive().default(100),
  })
  .prefault({});
