/**
 * Issue 20, `monitoring.dashboards`: the `/dashboard` page has one group per configured
 * dashboard, named as configured, with its panels in the configured order and no others; an
 * unknown panel is refused by `config validate` with the list of known panels.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runFortitude, spawnServer } from '../observability/spawn-server.js';

function configDir(dashboards: string[]): string {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-dashboards-'));
  writeFileSync(join(cwd, 'fortitude.yaml'), ['monitoring:', '  dashboards:', ...dashboards, ''].join('\n'));
  return cwd;
}

it('the dashboard page follows monitoring.dashboards: groups, panel order, nothing else', async () => {
  const cwd = configDir([
    '    - name: "Money"',
    '      panels: ["Budget Utilization", "Cost per Request by Provider"]',
    '    - name: "Speed"',
    '      panels: ["API Response Time Percentiles"]',
  ]);
  const server = await spawnServer({ cwd });
  try {
    const response = await fetch(`${server.url}/dashboard`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect([...html.matchAll(/<h2 class="group">([^<]*)<\/h2>/g)].map((match) => match[1])).toEqual(['Money', 'Speed']);
    expect([...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((match) => match[1])).toEqual(['Budget Utilization', 'Cost per Request by Provider', 'API Response Time Percentiles']);
  } finally {
    await server.close();
  }
}, 120_000);

it('config validate refuses an unknown panel, naming it and the known ones', async () => {
  const cwd = configDir(['    - name: "Mine"', '      panels: ["Coffee Consumption"]']);
  const run = await runFortitude(cwd, ['config', 'validate']);
  expect(run.code).not.toBe(0);
  const output = run.stdout + run.stderr;
  expect(output).toContain('monitoring.dashboards');
  expect(output).toContain('unknown panel "Coffee Consumption"');
  expect(output).toContain('Budget Utilization');
}, 60_000);
