import type { AlertNotificationOutcome } from '../../infrastructure/metrics/metrics.js';
import type { MetricsSnapshot } from '../../infrastructure/metrics/metrics-snapshot.js';
import { buildAlertRules, compare, observedValue, sampleCount } from './alert-rules.js';
import type { AlertRule, AlertRuleOptions, AlertSeverity, SlaTargets } from './alert-rules.js';
import { initialStatus, stepAlert } from './alert-state.js';
import type { AlertStateName, AlertStatus } from './alert-state.js';
import { createWebhookNotifier } from './webhook-notifier.js';
import type { WebhookNotifier, WebhookStats, WebhookTarget } from './webhook-notifier.js';

/**
 * Evaluates alert rules against the rolling metrics every `evaluationIntervalMs`: the configured
 * `monitoring.alerts` plus rules implied by `sla_targets`. Each state change is recorded (with
 * its time and observed value), logged, and — for `firing` and `resolved` by default — posted to
 * the webhooks in the background.
 */

export interface AlertLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface AlertEngineOptions {
  /** Service-level targets, each an implied rule; omit for configured rules only. */
  targets?: SlaTargets;
  /** The configured rules (`monitoring.alerts`). */
  rules: readonly AlertRuleOptions[];
  webhooks?: WebhookTarget[];
  /** Default 10 s (`monitoring.evaluation_interval`). */
  evaluationIntervalMs?: number;
  /** The span each evaluation summarises (p95 over the last …); default 60 s. */
  evaluationSpanMs?: number;
  /**
   * Least observations in the span (requests, provider calls, evaluations, cache lookups)
   * before a rule on that metric can hold; gauges are exempt. Default 0 here; the server passes
   * `monitoring.min_samples` (20), so a few cold first requests do not make alerts pending.
   */
  minSamples?: number;
  /** No rule holds until this long after the engine was created, ms. Default 0; the server passes `monitoring.warmup` (60 s). */
  warmupMs?: number;
  /** Hold time and severity of the implied SLA rules; default 5 min, warning. */
  sla?: { durationMs?: number; severity?: AlertSeverity };
  /** Which transitions go to webhooks; default firing and resolved. */
  notifyOn?: AlertStateName[];
  historyLimit?: number;
  webhookRetryBaseMs?: number;
  clock?: { now(): number };
  logger: AlertLogger;
  /** The metrics to judge, e.g. `({ spanMs }) => metrics.snapshot({ spanMs })` or a cluster reader. */
  readMetrics: (request: { spanMs: number }) => MetricsSnapshot | Promise<MetricsSnapshot>;
  /** Counters for transitions and webhook outcomes (`fortitude_alert_*`). */
  metrics?: { observeAlertTransition(severity: string, state: string): void; observeAlertNotification(outcome: AlertNotificationOutcome): void };
}

export interface AlertTransition {
  ruleId: string;
  name: string;
  severity: AlertSeverity;
  source: AlertRule['source'];
  condition: string;
  from: AlertStateName;
  to: AlertStateName;
  /** ms since the epoch. */
  at: number;
  /** The observed value (ms for latencies, fractions for ratios); null without data. */
  value: number | null;
  threshold: number;
  activeSince: number | null;
}

export interface AlertView extends AlertStatus {
  id: string;
  name: string;
  severity: AlertSeverity;
  source: AlertRule['source'];
  condition: string;
  durationMs: number;
  threshold: number;
}

/** What `GET /api/alerts` returns. */
export interface AlertList {
  evaluatedAt: number | null;
  alerts: AlertView[];
  /** Newest first. */
  history: AlertTransition[];
  notifications: WebhookStats;
}

export class AlertEngine {
  readonly rules: readonly AlertRule[];
  private readonly statuses = new Map<string, AlertStatus>();
  private readonly history: AlertTransition[] = [];
  private readonly notifier: WebhookNotifier;
  private readonly clock: { now(): number };
  private readonly notifyOn: ReadonlySet<AlertStateName>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private evaluatedAt: number | null = null;
  private readonly startedAt: number;

  constructor(private readonly options: AlertEngineOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.rules = buildAlertRules(options.rules, options.targets, options.sla);
    this.notifyOn = new Set(options.notifyOn ?? ['firing', 'resolved']);
    const start = this.clock.now();
    this.startedAt = start;
    for (const rule of this.rules) this.statuses.set(rule.id, initialStatus(start));
    this.notifier = createWebhookNotifier({
      webhooks: options.webhooks ?? [],
      logger: options.logger,
      retryBaseMs: options.webhookRetryBaseMs,
      onOutcome: (outcome) => options.metrics?.observeAlertNotification(outcome),
    });
  }

  /** Evaluates every `evaluationIntervalMs` on an unref'd timer (it never keeps the process up). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return; // a slow read (cluster aggregation) skips a tick instead of piling up
      this.running = this.evaluate()
        .catch((error: unknown) => this.options.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'alert evaluation failed'))
        .finally(() => (this.running = undefined));
    }, this.options.evaluationIntervalMs ?? 10_000);
    this.timer.unref();
  }

  /** One evaluation at `now` (default the clock); returns the transitions it caused. */
  async evaluate(now = this.clock.now()): Promise<AlertTransition[]> {
    const snapshot = await this.options.readMetrics({ spanMs: this.options.evaluationSpanMs ?? 60_000 });
    const transitions: AlertTransition[] = [];
    const warm = now - this.startedAt >= (this.options.warmupMs ?? 0);
    const minSamples = this.options.minSamples ?? 0;
    for (const rule of this.rules) {
      const status = this.statuses.get(rule.id)!;
      const value = observedValue(snapshot, rule.condition);
      // Too early, or too few observations to judge: the rule does not hold (yet).
      const enough = (sampleCount(snapshot, rule.condition.metric) ?? Infinity) >= minSamples;
      const holds = warm && enough && value !== undefined && compare(rule.condition.bound, value);
      const change = stepAlert(status, holds, value ?? null, now, rule.durationMs);
      if (!change) continue;
      const transition: AlertTransition = {
        ruleId: rule.id,
        name: rule.name,
        severity: rule.severity,
        source: rule.source,
        condition: rule.condition.text,
        threshold: rule.condition.bound.value,
        ...change,
      };
      transitions.push(transition);
      this.record(transition);
    }
    this.evaluatedAt = now;
    return transitions;
  }

  listAlerts(): AlertList {
    return {
      evaluatedAt: this.evaluatedAt,
      alerts: this.rules.map((rule) => ({
        id: rule.id,
        name: rule.name,
        severity: rule.severity,
        source: rule.source,
        condition: rule.condition.text,
        durationMs: rule.durationMs,
        threshold: rule.condition.bound.value,
        ...this.statuses.get(rule.id)!,
      })),
      history: [...this.history].reverse(),
      notifications: this.notifier.stats(),
    };
  }

  /** Resolves when queued webhook deliveries have finished. */
  idle(): Promise<void> {
    return this.notifier.idle();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.notifier.close();
  }

  private record(transition: AlertTransition): void {
    this.history.push(transition);
    const limit = this.options.historyLimit ?? 200;
    if (this.history.length > limit) this.history.splice(0, this.history.length - limit);
    this.options.metrics?.observeAlertTransition(transition.severity, transition.to);

    const fields = { alert: transition.name, severity: transition.severity, condition: transition.condition, from: transition.from, value: transition.value };
    const message = `alert ${transition.to}: ${transition.name}`;
    if (transition.to === 'firing') this.options.logger[transition.severity === 'critical' ? 'error' : transition.severity === 'warning' ? 'warn' : 'info'](fields, message);
    else this.options.logger.info(fields, message);

    if (this.notifyOn.has(transition.to)) {
      this.notifier.notify({
        kind: 'fortitude.alert',
        version: 1,
        alert: transition.name,
        id: transition.ruleId,
        state: transition.to,
        previous: transition.from,
        severity: transition.severity,
        source: transition.source,
        condition: transition.condition,
        value: transition.value,
        threshold: transition.threshold,
        at: new Date(transition.at).toISOString(),
        activeSince: transition.activeSince === null ? null : new Date(transition.activeSince).toISOString(),
      });
    }
  }
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  return new AlertEngine(options);
}
