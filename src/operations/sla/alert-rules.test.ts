import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../infrastructure/metrics/create-metrics.js';
import { buildAlertRules, compare, observedValue, slaConditions } from './alert-rules.js';
import type { AlertRuleOptions, SlaTargets } from './alert-rules.js';

const TARGETS: SlaTargets = {
  apiResponseTimeMs: { p50: 100, p95: 200, p99: 500 },
  providerResponseTimeMs: { p50: 1000, p95: 3000, p99: 5000 },
  qualityEvaluationTimeMs: { p50: 50, p95: 100, p99: 200 },
  systemAvailability: 0.999,
  errorRate: { op: '<', value: 0.001, unit: '%' },
};

const SEED_RULES: AlertRuleOptions[] = [
  {
    name: 'SLA Violation - API Response Time',
    condition: { aggregate: 'p95', metric: 'api_response_time', bound: { op: '>', value: 200, unit: 'ms' }, text: 'p95(api_response_time) > 200ms' },
    durationMs: 300_000,
    severity: 'critical',
  },
  {
    name: 'SLA Violation - Error Rate',
    condition: { aggregate: 'value', metric: 'error_rate', bound: { op: '>', value: 0.001, unit: '%' }, text: 'error_rate > 0.1%' },
    durationMs: 120_000,
    severity: 'critical',
  },
];

describe('alert rules', () => {
  it('turns sla_targets into conditions that hold while a target is missed', () => {
    expect(slaConditions(TARGETS).map((condition) => condition.text)).toEqual([
      'p50(api_response_time) > 100ms',
      'p95(api_response_time) > 200ms',
      'p99(api_response_time) > 500ms',
      'p50(provider_response_time) > 1000ms',
      'p95(provider_response_time) > 3000ms',
      'p99(provider_response_time) > 5000ms',
      'p50(quality_evaluation_time) > 50ms',
      'p95(quality_evaluation_time) > 100ms',
      'p99(quality_evaluation_time) > 200ms',
      'availability < 99.9%',
      'error_rate >= 0.1%',
    ]);
  });

  it('keeps configured rules and adds the SLA rules they do not already cover, with unique ids', () => {
    const rules = buildAlertRules([...SEED_RULES, { ...SEED_RULES[0]!, durationMs: 600_000 }], TARGETS, { durationMs: 60_000 });
    expect(rules.filter((rule) => rule.source === 'rule').map((rule) => [rule.id, rule.durationMs])).toEqual([
      ['sla-violation-api-response-time', 300_000],
      ['sla-violation-error-rate', 120_000],
      ['sla-violation-api-response-time-2', 600_000],
    ]);
    const sla = rules.filter((rule) => rule.source === 'sla').map((rule) => rule.condition.text);
    expect(sla).toHaveLength(9); // 11 targets minus p95(api) and error_rate, which configured rules watch
    expect(sla).not.toContain('p95(api_response_time) > 200ms');
    expect(sla).toContain('availability < 99.9%');
    expect(rules.find((rule) => rule.source === 'sla')!.durationMs).toBe(60_000);
  });

  it('reads each metric from a snapshot, and nothing when there is no data', () => {
    let now = 1_700_000_000_000;
    const metrics = createMetrics({ components: { infrastructure: { cpu_usage: false, memory_usage: false, disk_io: false, network_io: false } } }, { now: () => now });
    const empty = metrics.snapshot();
    expect(observedValue(empty, { aggregate: 'p95', metric: 'api_response_time' })).toBeUndefined();
    expect(observedValue(empty, { aggregate: 'value', metric: 'error_rate' })).toBeUndefined();
    for (let index = 1; index <= 100; index += 1) metrics.observeApiRequest({ route: '/a', method: 'GET', status: index === 1 ? 502 : 200, durationMs: index });
    metrics.observeProviderCall({ provider: 'a', model: 'm', outcome: 'success', durationMs: 2000, costUsd: 0.01 });
    metrics.observeProviderCall({ provider: 'b', model: 'm', outcome: 'success', durationMs: 4000, costUsd: 0.03 });
    metrics.setBudgetUtilization('daily', 0.5);
    metrics.setBudgetUtilization('monthly', 0.9);
    now += 10_000;
    const snapshot = metrics.snapshot();
    expect(observedValue(snapshot, { aggregate: 'p95', metric: 'api_response_time' })).toBeCloseTo(95, -0.5);
    expect(observedValue(snapshot, { aggregate: 'value', metric: 'error_rate' })).toBe(0.01);
    expect(observedValue(snapshot, { aggregate: 'value', metric: 'availability' })).toBe(0.99);
    expect(observedValue(snapshot, { aggregate: 'rate', metric: 'api_response_time' })).toBe(10);
    expect(observedValue(snapshot, { aggregate: 'max', metric: 'provider_response_time' })).toBe(4000);
    expect(observedValue(snapshot, { aggregate: 'value', metric: 'cost_per_request' })).toBeCloseTo(0.02, 9);
    expect(observedValue(snapshot, { aggregate: 'max', metric: 'cost_per_request' })).toBeCloseTo(0.03, 9);
    expect(observedValue(snapshot, { aggregate: 'value', metric: 'budget_utilization' })).toBe(0.9);
    expect(observedValue(snapshot, { aggregate: 'avg', metric: 'budget_utilization' })).toBeCloseTo(0.7, 9);
    expect(observedValue(snapshot, { aggregate: 'p95', metric: 'error_rate' })).toBeUndefined();
    metrics.close();
  });

  it('compares with each operator', () => {
    expect(compare({ op: '>', value: 1 }, 1)).toBe(false);
    expect(compare({ op: '>=', value: 1 }, 1)).toBe(true);
    expect(compare({ op: '<', value: 1 }, 0.5)).toBe(true);
    expect(compare({ op: '<=', value: 1 }, 2)).toBe(false);
  });
});
