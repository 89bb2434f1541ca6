import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/infrastructure/metrics/create-metrics.js';
import type { Metrics } from '../../src/infrastructure/metrics/metrics.js';
import { createAlertEngine } from '../../src/operations/sla/alert-engine.js';
import type { AlertEngine, AlertEngineOptions } from '../../src/operations/sla/alert-engine.js';
import type { AlertRuleOptions } from '../../src/operations/sla/alert-rules.js';

interface Receiver {
  url: string;
  bodies: Record<string, unknown>[];
  /** Requests received but not yet answered. */
  open: Set<ServerResponse>;
  close(): Promise<void>;
}

/** A real webhook receiver on loopback; `answer` decides each response (return false to hang). */
async function startReceiver(answer: (index: number, response: ServerResponse) => boolean | void = () => {}): Promise<Receiver> {
  const bodies: Record<string, unknown>[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      open.add(response);
      response.on('close', () => open.delete(response));
      if (answer(bodies.length - 1, response) === false) return;
      if (!response.headersSent) response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    open,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const P95_RULE: AlertRuleOptions = {
  name: 'SLA Violation - API Response Time',
  condition: { aggregate: 'p95', metric: 'api_response_time', bound: { op: '>', value: 200, unit: 'ms' }, text: 'p95(api_response_time) > 200ms' },
  durationMs: 300_000,
  severity: 'critical',
};

function captureLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: object, message: string) => lines.push({ level, message, fields: fields as Record<string, unknown> });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<AlertEngineOptions> = {}) {
  const clock = { time: 1_700_000_000_000, now: () => clock.time };
  const metrics: Metrics = createMetrics({ window: { bucketMs: 10_000, windowMs: 3_600_000 } }, { now: clock.now });
  const { lines, logger } = captureLogger();
  const engine: AlertEngine = createAlertEngine({
    rules: [P95_RULE],
    evaluationSpanMs: 60_000,
    clock,
    logger,
    readMetrics: ({ spanMs }) => metrics.snapshot({ spanMs }),
    metrics,
    webhookRetryBaseMs: 20,
    ...options,
  });
  cleanups.push(() => metrics.close(), () => engine.close());
  /** Ten-second steps of traffic at `latencyMs`, evaluating after each. */
  const run = async (seconds: number, latencyMs: number) => {
    const transitions = [];
    for (let elapsed = 0; elapsed < seconds; elapsed += 10) {
      for (let index = 0; index < 20; index += 1) metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: 200, durationMs: latencyMs });
      clock.time += 10_000;
      transitions.push(...(await engine.evaluate()));
    }
    return transitions;
  };
  return { clock, metrics, engine, lines, run };
}

describe('alert engine', () => {
  it('walks inactive → pending → firing → resolved, honouring the duration, with values and times', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const { engine, lines, run, clock, metrics } = setup({ webhooks: [{ url: receiver.url, timeoutMs: 2000, maxRetries: 0 }] });

    expect(await run(60, 50)).toEqual([]); // fast traffic: nothing
    const start = clock.time;
    const pending = await run(10, 300);
    expect(pending).toMatchObject([{ ruleId: 'sla-violation-api-response-time', from: 'inactive', to: 'pending', at: start + 10_000 }]);
    expect(pending[0]!.value).toBeGreaterThan(200);

    // Held for 4 min 50 s: still pending.
    expect(await run(290, 300)).toEqual([]);
    expect(engine.listAlerts().alerts[0]).toMatchObject({ state: 'pending', activeSince: start + 10_000 });
    // The evaluation 5 min after the condition first held fires it.
    const firing = await run(10, 300);
    expect(firing).toMatchObject([{ from: 'pending', to: 'firing', severity: 'critical', activeSince: start + 10_000, at: start + 310_000 }]);

    // Latency recovers; once the 60 s span holds only fast requests, the alert resolves.
    const recovery = await run(90, 20);
    expect(recovery).toMatchObject([{ from: 'firing', to: 'resolved' }]);
    expect(recovery[0]!.value).toBeLessThanOrEqual(200);

    const list = engine.listAlerts();
    expect(list.alerts[0]!.state).toBe('resolved');
    expect(list.history.map((transition) => transition.to)).toEqual(['resolved', 'firing', 'pending']);
    expect(list.evaluatedAt).toBe(clock.time);

    // Log: pending and resolved at info, firing (critical) at error.
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'alert pending: SLA Violation - API Response Time'],
      ['error', 'alert firing: SLA Violation - API Response Time'],
      ['info', 'alert resolved: SLA Violation - API Response Time'],
    ]);

    // Webhooks: firing and resolved (not pending), as JSON.
    await engine.idle();
    expect(receiver.bodies.map((body) => body.state)).toEqual(['firing', 'resolved']);
    expect(receiver.bodies[0]).toMatchObject({
      kind: 'fortitude.alert',
      alert: 'SLA Violation - API Response Time',
      severity: 'critical',
      condition: 'p95(api_response_time) > 200ms',
      previous: 'pending',
      threshold: 200,
      at: new Date(start + 310_000).toISOString(),
    });
    expect(engine.listAlerts().notifications).toMatchObject({ delivered: 2, failed: 0 });
    const body = (await metrics.render()).body;
    expect(body).toMatch(/fortitude_alert_transitions_total\{severity="critical",state="firing"\} 1/);
    expect(body).toMatch(/fortitude_alert_notifications_total\{outcome="delivered"\} 2/);
  });

  it('treats a span without data as not holding', async () => {
    const { engine, clock } = setup({ rules: [{ ...P95_RULE, durationMs: 0 }] });
    clock.time += 10_000;
    expect(await engine.evaluate()).toEqual([]);
    expect(engine.listAlerts().alerts[0]).toMatchObject({ state: 'inactive', value: null });
  });

  it('adds rules implied by sla_targets, e.g. availability', async () => {
    const { engine, metrics, clock } = setup({
      rules: [],
      targets: {
        apiResponseTimeMs: { p50: 100, p95: 200, p99: 500 },
        providerResponseTimeMs: { p50: 1000, p95: 3000, p99: 5000 },
        qualityEvaluationTimeMs: { p50: 50, p95: 100, p99: 200 },
        systemAvailability: 0.999,
        errorRate: { op: '<', value: 0.001, unit: '%' },
      },
      sla: { durationMs: 0, severity: 'critical' },
    });
    for (let index = 0; index < 100; index += 1) metrics.observeApiRequest({ route: '/a', method: 'GET', status: index < 5 ? 503 : 200, durationMs: 10 });
    clock.time += 10_000;
    const fired = (await engine.evaluate()).map((transition) => [transition.condition, transition.to, transition.value]);
    expect(fired).toEqual([
      ['availability < 99.9%', 'firing', 0.95],
      ['error_rate >= 0.1%', 'firing', 0.05],
    ]);
  });

  it('retries a webhook after a 500 and delivers the same payload', async () => {
    const receiver = await startReceiver((index, response) => {
      if (index === 0) response.writeHead(500).end('try later');
    });
    cleanups.push(() => receiver.close());
    const { engine, run } = setup({ rules: [{ ...P95_RULE, durationMs: 0 }], webhooks: [{ url: receiver.url, timeoutMs: 2000, maxRetries: 3 }] });
    await run(10, 500);
    await engine.idle();
    expect(receiver.bodies).toHaveLength(2);
    expect(receiver.bodies[1]).toEqual(receiver.bodies[0]);
    expect(engine.listAlerts().notifications).toMatchObject({ delivered: 1, retried: 1, failed: 0 });
  });

  it('does not retry a 4xx rejection', async () => {
    const receiver = await startReceiver((_index, response) => {
      response.writeHead(400).end();
    });
    cleanups.push(() => receiver.close());
    const { engine, run, lines } = setup({ rules: [{ ...P95_RULE, durationMs: 0 }], webhooks: [{ url: receiver.url, timeoutMs: 2000, maxRetries: 3 }] });
    await run(10, 500);
    await engine.idle();
    expect(receiver.bodies).toHaveLength(1);
    expect(engine.listAlerts().notifications).toMatchObject({ delivered: 0, retried: 0, failed: 1 });
    expect(lines.some((line) => line.level === 'warn' && line.message === 'alert webhook delivery failed')).toBe(true);
  });

  it('times out a receiver that never answers without blocking evaluation or other webhooks', async () => {
    const hanging = await startReceiver(() => false);
    const healthy = await startReceiver();
    cleanups.push(
      () => hanging.close(),
      () => healthy.close(),
    );
    const { engine, run } = setup({
      rules: [{ ...P95_RULE, durationMs: 0 }],
      webhooks: [
        { url: hanging.url, timeoutMs: 1500, maxRetries: 1 },
        { url: healthy.url, timeoutMs: 5000, maxRetries: 0 },
      ],
    });
    const transitions = await run(10, 500);
    // evaluate() has returned with both deliveries still in flight.
    expect(transitions.map((transition) => transition.to)).toEqual(['firing']);
    expect(engine.listAlerts().notifications.inFlight).toBe(2);
    await until(() => engine.listAlerts().notifications.delivered === 1, 'the healthy delivery');
    expect(healthy.bodies).toHaveLength(1);
    // Evaluations go on while the other receiver holds its request open.
    await until(() => hanging.open.size === 1, 'the hanging request to arrive');
    await run(10, 500);
    expect(engine.listAlerts().notifications).toMatchObject({ delivered: 1, failed: 0 });
    await engine.idle();
    expect(hanging.bodies).toHaveLength(2); // first attempt + one retry, each timed out
    expect(engine.listAlerts().notifications).toMatchObject({ delivered: 1, retried: 1, failed: 1, inFlight: 0 });
  });

  it('close() abandons deliveries in flight', async () => {
    const hanging = await startReceiver(() => false);
    cleanups.push(() => hanging.close());
    const { engine, run } = setup({ rules: [{ ...P95_RULE, durationMs: 0 }], webhooks: [{ url: hanging.url, timeoutMs: 60_000, maxRetries: 5 }] });
    await run(10, 500);
    await until(() => hanging.open.size === 1, 'the request to arrive');
    await engine.close();
    expect(engine.listAlerts().notifications.inFlight).toBe(0);
  });

  it('evaluates on its own interval once started', async () => {
    const { engine, metrics } = setup({ clock: undefined, evaluationIntervalMs: 20, rules: [{ ...P95_RULE, durationMs: 0 }] });
    metrics.observeApiRequest({ route: '/a', method: 'GET', status: 200, durationMs: 900 });
    engine.start();
    await until(() => engine.listAlerts().alerts[0]!.state === 'firing', 'the interval to evaluate');
    await engine.close();
  });
});
