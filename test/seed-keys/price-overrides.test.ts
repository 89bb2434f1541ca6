/**
 * Issue 20, per-provider price overrides: one price resolver serves the budget, the recorded
 * `provider_requests` row and the research result's `costUsd` — all three agree for the same call,
 * and all follow `providers.<name>.pricing` over the built-in table.
 */
import { expect, it } from 'vitest';
import { parsePrometheus, spawnServer, sumOf } from '../observability/spawn-server.js';
import { configDir, readDatabase } from './seed-server.js';

it('a provider price override prices the research result, the request row and the budget alike', async () => {
  // The override (100/200 USD per million) is far from any built-in price, and applies to every
  // model openai may run (the model choice may pick its cost-optimized model).
  const cwd = configDir('prices', [
    'cost_management:',
    '  global: { daily_budget_usd: 1000 }',
    'providers:',
    '  openai:',
    '    pricing:',
    ...['gpt-4', 'gpt-3.5-turbo', 'gpt-4o-mini'].map((model) => `      ${model}: { input_per_million: 100, output_per_million: 200 }`),
    '  claude: {}',
    '  gemini: {}',
  ]);
  const server = await spawnServer({ cwd });
  try {
    const response = await fetch(`${server.url}/api/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What is the capital of France and why did it become the capital?', provider: 'openai' }),
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { provider: string; costUsd: number; usage: { inputTokens: number; outputTokens: number } };
    expect(result.provider).toBe('openai');
    const expected = (result.usage.inputTokens * 100 + result.usage.outputTokens * 200) / 1_000_000;
    expect(result.costUsd).toBeCloseTo(expected, 9);

    // The budget gauge is refreshed every 5 s: wait for the first refresh after the call.
    let samples = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
    for (let waited = 0; waited < 15_000 && sumOf(samples, 'fortitude_budget_utilization_ratio') === 0; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      samples = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
    }
    expect(sumOf(samples, 'fortitude_provider_cost_usd_total', (labels) => labels.provider === 'openai')).toBeCloseTo(expected, 9);
    // The budget ledger charged the same amount: utilisation of the 1000 USD daily budget.
    expect(sumOf(samples, 'fortitude_budget_utilization_ratio', (labels) => labels.scope === 'daily') * 1000).toBeCloseTo(expected, 6);
  } finally {
    await server.close();
  }
  const [row, research] = readDatabase(cwd, (database) => [
    database.prepare("SELECT SUM(cost_usd) AS usd FROM provider_requests WHERE provider = 'openai' AND status = 'ok'").get() as { usd: number },
    database.prepare('SELECT cost_usd AS usd FROM research_results').get() as { usd: number },
  ]);
  expect(row.usd).toBeGreaterThan(0.0001);
  expect(research.usd).toBeCloseTo(row.usd, 9);
}, 120_000);
