/**
 * Issue 20, `cost_management.routing.auto_optimization`: a running `serve` applies the cost
 * optimizer's plan by itself. Openai is dear and first in the fixed order, gemini cheap with
 * measured quality: after a run, new troubleshooting requests go to gemini.
 */
import { expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';
import { FIXED_ORDER, GEMINI_CHEAPEST, NO_HEDGING, configDir as writeConfig, researchOk } from './seed-server.js';

function configDir(enabled: boolean): string {
  return writeConfig('auto-opt', [
    ...FIXED_ORDER,
    '  adaptive_selection: false',
    '  quality_threshold: 0.3',
    'cost_management:',
    '  providers: {}',
    ...GEMINI_CHEAPEST,
    '  routing:',
    `    auto_optimization: { enabled: ${enabled}, interval: 1s, time_range: 1h, quality_tolerance: 0.05, cost_savings_target: 0.2 }`,
    ...NO_HEDGING,
  ]);
}

let counter = 0;
function research(url: string, provider?: string): Promise<string | undefined> {
  const query = `Why does my build fail with a missing module error, case ${counter++}?`;
  return researchOk(url, { query, type: 'troubleshooting', quality_threshold: 0, ...(provider ? { provider } : {}) });
}

/** Quality samples for both providers, then unrouted requests until one is answered by gemini (or 10 tries). */
async function scenario(url: string): Promise<(string | undefined)[]> {
  for (let index = 0; index < 6; index++) {
    await research(url, 'gemini');
    await research(url, 'openai');
  }
  const routed: (string | undefined)[] = [];
  for (let index = 0; index < 10 && routed.at(-1) !== 'gemini'; index++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    routed.push(await research(url));
  }
  return routed;
}

it('auto_optimization.enabled: troubleshooting traffic moves to the cheaper provider of kept quality', async () => {
  const server = await spawnServer({ cwd: configDir(true) });
  try {
    const routed = await scenario(server.url);
    expect(routed.at(-1)).toBe('gemini');
    expect(server.output()).toContain('automatic cost optimization ran');
  } finally {
    await server.close();
  }
}, 180_000);

it('auto_optimization off: the same traffic stays on the fixed order', async () => {
  const server = await spawnServer({ cwd: configDir(false) });
  try {
    const routed = await scenario(server.url);
    expect(new Set(routed)).toEqual(new Set(['openai']));
  } finally {
    await server.close();
  }
}, 180_000);
