/**
 * Issue 20, `cost_management.routing.strategy`: when set it is the router's strategy (over
 * `selection_strategy.type`), weighted by `cost_weight`/`quality_weight`. Here the selection
 * section alone would send everything to openai (fixed order); the cost-aware strategy with all
 * weight on cost sends it to the cheapest provider, gemini.
 */
import { expect, it } from 'vitest';
import { runFortitude, spawnServer } from '../observability/spawn-server.js';
import { FIXED_ORDER, GEMINI_CHEAPEST, NO_HEDGING, configDir as writeConfig } from './seed-server.js';

function configDir(routing: string[]): string {
  return writeConfig('routing', [...FIXED_ORDER, '  adaptive_selection: false', 'cost_management:', '  providers: {}', ...GEMINI_CHEAPEST, ...routing, ...NO_HEDGING]);
}

async function providersFor(url: string, count: number): Promise<string[]> {
  const answered: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: `Say hello, number ${index}.` }], temperature: 0.7 }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    answered.push(response.headers.get('x-fortitude-provider') ?? 'none');
  }
  return answered;
}

it('routing.strategy: cost_quality_balanced with cost_weight 1 routes to the cheapest provider, over a fixed_order selection', async () => {
  const server = await spawnServer({ cwd: configDir(['  routing:', '    strategy: cost_quality_balanced', '    cost_weight: 1.0', '    quality_weight: 0.0']) });
  try {
    expect(await providersFor(server.url, 4)).toEqual(['gemini', 'gemini', 'gemini', 'gemini']);
  } finally {
    await server.close();
  }
}, 120_000);

it('without routing.strategy the selection section decides (fixed order: openai)', async () => {
  const server = await spawnServer({ cwd: configDir([]) });
  try {
    expect(await providersFor(server.url, 2)).toEqual(['openai', 'openai']);
  } finally {
    await server.close();
  }
}, 120_000);

it('config validate rejects an unknown routing.strategy, naming the key', async () => {
  const cwd = configDir(['  routing:', '    strategy: cheapest_first', '    cost_weight: 0.3', '    quality_weight: 0.7']);
  const run = await runFortitude(cwd, ['config', 'validate']);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain('cost_management.routing.strategy');
}, 60_000);
