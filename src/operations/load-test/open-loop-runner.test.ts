import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivalTime, type LoadPlan } from './load-plan.js';
import { buildLoadReport, renderLoadReportHtml, renderLoadReportMarkdown } from './load-test-report.js';
import { runLoad } from './open-loop-runner.js';

/** A stand-in server: research answers after 20 ms, status after 5 ms, health at once; one research in ten fails. */
let server: Server;
let url: string;
const seen: string[] = [];
beforeAll(async () => {
  let research = 0;
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => {
      if (request.url === '/api/research') {
        research += 1;
        const status = research % 10 === 0 ? 503 : 200;
        setTimeout(() => response.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}'), 20);
      } else if (request.url === '/api/providers/status') setTimeout(() => response.end('[]'), 5);
      else response.end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const PLAN: LoadPlan = {
  scenario: 'unit',
  scale: 1,
  durationMs: 1_500,
  rampUpMs: 500,
  users: 8,
  targetRps: 40,
  mix: { research_simple: 0.42, research_complex: 0.21, research_quality: 0.07, provider_status: 0.2, health: 0.1 },
  configured: { name: 'unit', durationMs: 1_500, users: 8, rampUpMs: 500, targetRps: 40 },
};

describe('runLoad (open loop against a local server)', () => {
  it('sends every scheduled request, by kind, and measures from the due time', async () => {
    const expected = Array.from({ length: 1_000 }, (_, index) => arrivalTime(PLAN, index)).filter((time) => time < PLAN.durationMs).length;
    const result = await runLoad({ url, plan: PLAN, seed: 3 });
    expect(result.due).toBe(expected);
    expect(result.sent + result.notSent).toBe(expected);
    expect(result.overall.requests).toBe(result.sent);
    expect(result.unfinished).toBe(0);
    expect(seen).toHaveLength(result.sent);
    const kinds = result.byKind.map((entry) => entry.kind);
    expect(kinds).toContain('health');
    expect(kinds).toContain('research_simple');
    const research = result.byKind.filter((entry) => entry.kind.startsWith('research'));
    const researchCount = research.reduce((total, entry) => total + entry.requests, 0);
    expect(research.reduce((total, entry) => total + entry.errors, 0)).toBe(Math.floor(researchCount / 10));
    expect(result.statusCounts['503']).toBe(Math.floor(researchCount / 10));
    // A research answer takes 20 ms on the server, so none can be faster from its due time.
    expect(Math.min(...research.map((entry) => entry.p50!))).toBeGreaterThanOrEqual(20);
    expect(result.timeline).toHaveLength(2);
    expect(result.timeline.reduce((total, point) => total + point.requests, 0)).toBe(result.overall.requests);

    const report = buildLoadReport({
      url,
      plan: PLAN,
      result,
      targets: { apiResponseTimeP95Ms: 200, apiResponseTimeP99Ms: 500, errorRate: { op: '<', value: 0.001, unit: '%' }, throughput: { op: '>', value: 1000, unit: 'rps' } },
    });
    expect(report.targets.find((check) => check.name === 'error rate')!.status).toBe('fail');
    expect(report.targets.find((check) => check.name === 'throughput')).toMatchObject({ status: 'n/a', note: 'this scenario offers only 40.0 rps' });
    const markdown = renderLoadReportMarkdown(report);
    expect(markdown).toContain('# Fortitude load test: unit');
    expect(markdown).toMatch(/\| all \| \d+ \| \d+ \|/);
    expect(markdown).toContain('| error rate | < 0.100% |');
    const html = renderLoadReportHtml(report);
    expect(html).toContain('<svg');
    expect(html).toContain('Latency by second');
  });

  it('stops scheduling when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runLoad({ url, plan: { ...PLAN, durationMs: 60_000 }, signal: controller.signal });
    expect(result.sent).toBe(0);
  });
});
