/**
 * Issue 14.2: without Redis, budgets, provider rate limits and learned routing are the whole
 * machine's, not each process's — against `fortitude serve --workers N` as real processes,
 * restarts and CLI calls, with simulated providers. Spend is read from the `provider_requests`
 * rows the servers recorded (not from the ledger under test).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runFortitude, spawnServer } from '../observability/spawn-server.js';
import { connectRedis, deleteKeys, REDIS_URL, uniqueKeyPrefix } from '../support/redis-helpers.js';

/** A uniform price high enough that a 200-token chat costs ~0.002 USD (and its worst case barely more). */
const PRICE = '{ input_per_million: 10, output_per_million: 10 }';

/**
 * Every model a call can reach: the chat models, and each provider's `model_selection` models
 * that research routes to (the cost-optimised one once spend is high). One price for all, so no
 * cheaper model's worst case can fit a budget the test has spent.
 */
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku-20241022', 'gemini-2.0-flash', 'gpt-4', 'gpt-3.5-turbo', 'claude-3-sonnet-20240229', 'claude-3-haiku-20240307'];

function configDir(options: { dailyBudgetUsd: number; price?: string; openaiRateLimit?: string; redisKeyPrefix?: string }): string {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-embedded-'));
  const lines = [
    'cost_management:',
    '  global:',
    `    daily_budget_usd: ${options.dailyBudgetUsd}`,
    '  pricing:',
    ...MODELS.map((model) => `    ${model}: ${options.price ?? PRICE}`),
  ];
  if (options.redisKeyPrefix) lines.push('redis:', `  url: ${REDIS_URL}`, `  key_prefix: "${options.redisKeyPrefix}:"`);
  // The fallbacks get limits that never bind: the test is about openai's bucket, and with their
  // default limits (claude 120/min, gemini 180/min, machine-wide) the 34 calls falling back could
  // queue past the 5 s wait on a slow host and end as a 503 (seen once in clean-clone CI).
  const unbound = 'rate_limit: { requests_per_minute: 100000, tokens_per_minute: 100000000, max_concurrent: 100 }';
  if (options.openaiRateLimit) lines.push('providers:', '  openai:', `    rate_limit: ${options.openaiRateLimit}`, '  claude:', `    ${unbound}`, '  gemini:', `    ${unbound}`);
  writeFileSync(join(cwd, 'fortitude.yaml'), `${lines.join('\n')}\n`);
  return cwd;
}

interface Tally {
  ok: number;
  refused: number;
  /** Refusals by status: 402 (the reservation would pass the limit) and 429 (throttle action). */
  refusedBy?: Record<number, number>;
  other: Record<number, number>;
  /** The start of each unexpected answer's body, so a failure says what went wrong. */
  otherBodies?: string[];
}

/** `count` distinct chat calls (never cached: temperature > 0), `concurrency` at a time. */
async function chats(url: string, count: number, options: { concurrency?: number; tag?: string } = {}): Promise<Tally> {
  const tally: Tally = { ok: 0, refused: 0, other: {} };
  let next = 0;
  const one = async () => {
    for (let index = next++; index < count; index = next++) {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          max_tokens: 200,
          temperature: 0.7,
          messages: [{ role: 'user', content: `explain tokio worker threads, ${options.tag ?? 'call'} ${index}` }],
        }),
      });
      const body = await response.text();
      if (response.status === 200) tally.ok += 1;
      // 402: the reservation would pass the limit; 429: the budget's throttle action (at 90 %).
      else if (response.status === 402 || response.status === 429) {
        tally.refused += 1;
        tally.refusedBy = { ...tally.refusedBy, [response.status]: (tally.refusedBy?.[response.status] ?? 0) + 1 };
      }
      else {
        tally.other[response.status] = (tally.other[response.status] ?? 0) + 1;
        (tally.otherBodies ??= []).push(body.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, one));
  return tally;
}

function recorded(cwd: string): { spentUsd: number; calls: Record<string, number>; okCalls: Record<string, number>; reached: Record<string, number> } {
  const database = new Database(join(cwd, '.fortitude', 'fortitude.db'), { readonly: true });
  try {
    const spent = database.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM provider_requests').get() as { usd: number };
    const rows = database
      .prepare('SELECT provider, status, error_class, COUNT(*) AS n FROM provider_requests GROUP BY provider, status, error_class')
      .all() as { provider: string; status: string; error_class: string | null; n: number }[];
    const calls: Record<string, number> = {};
    const okCalls: Record<string, number> = {};
    // Tries that reached the provider (took a token of its bucket): answered, or failed there
    // (a try cut off by a hedge or a deadline on a loaded machine), not refused by the local limiter.
    const reached: Record<string, number> = {};
    for (const row of rows) {
      calls[row.provider] = (calls[row.provider] ?? 0) + row.n;
      if (row.status === 'ok') okCalls[row.provider] = (okCalls[row.provider] ?? 0) + row.n;
      if (row.status === 'ok' || row.error_class !== 'rate_limit') reached[row.provider] = (reached[row.provider] ?? 0) + row.n;
    }
    return { spentUsd: spent.usd, calls, okCalls, reached };
  } finally {
    database.close();
  }
}

/** A failure message for unexpected statuses: their bodies and what the server logged about errors. */
function unexpected(tally: Tally, serverOutput: string): string {
  const errors = serverOutput.split('\n').filter((line) => /error|fatal/i.test(line));
  return `unexpected answers: ${JSON.stringify(tally.otherBodies)}\nserver error lines (last 20 of ${errors.length}):\n${errors.slice(-20).join('\n')}`;
}

const BUDGET_USD = 0.05;

describe('a hard daily budget holds for the whole machine', () => {
  it.each([1, 2, 4])('%i worker(s), no Redis: spend ≤ budget, and the budget was reached', async (workers) => {
    const cwd = configDir({ dailyBudgetUsd: BUDGET_USD });
    const server = await spawnServer({ cwd, workers });
    let tally: Tally;
    try {
      tally = await chats(server.url, 100);
    } finally {
      await server.close();
    }
    const { spentUsd } = recorded(cwd);
    console.log(`budget ${BUDGET_USD} USD, ${workers} worker(s): ${tally.ok} answered, ${tally.refused} refused ${JSON.stringify(tally.refusedBy)}, spent ${spentUsd.toFixed(6)} USD`);
    expect(tally.other, unexpected(tally, server.output())).toEqual({});
    expect(tally.refused).toBeGreaterThan(0);
    expect(spentUsd).toBeLessThanOrEqual(BUDGET_USD);
    // The budget was reached: 402 is the budget's refusal. How much of it the 100 calls use
    // before they run out depends on timing — the throttle / stop actions count reservations in
    // flight (8 × 0.0022 USD = 35 % of this small budget) and a worker's view of the others'
    // settlements may be 250 ms old: typically 0.048 USD, under load once as little as 0.019 USD
    // with 2 workers (an under-use left open, docs/operations.md).
    expect(tally.refusedBy?.[402] ?? 0).toBeGreaterThan(0);
    expect(spentUsd).toBeGreaterThan(0);
  }, 120_000);

  it('the same figures with Redis (4 workers, the Redis ledger)', async () => {
    const prefix = uniqueKeyPrefix('embedded-parity');
    const cwd = configDir({ dailyBudgetUsd: BUDGET_USD, redisKeyPrefix: prefix });
    const server = await spawnServer({ cwd, workers: 4 });
    let tally: Tally;
    try {
      tally = await chats(server.url, 100);
    } finally {
      await server.close();
      const redis = connectRedis();
      await deleteKeys(redis, `${prefix}*`);
      await deleteKeys(redis, `{${prefix}*`);
      await redis.quit();
    }
    const { spentUsd } = recorded(cwd);
    console.log(`budget ${BUDGET_USD} USD, 4 workers with Redis: ${tally.ok} answered, ${tally.refused} refused, spent ${spentUsd.toFixed(6)} USD`);
    expect(tally.other, unexpected(tally, server.output())).toEqual({});
    expect(spentUsd).toBeLessThanOrEqual(BUDGET_USD);
    expect(spentUsd).toBeGreaterThan(BUDGET_USD * 0.6);
  }, 120_000);

  it('across a restart, no Redis: the day keeps its spend', async () => {
    const cwd = configDir({ dailyBudgetUsd: BUDGET_USD });
    let server = await spawnServer({ cwd, workers: 2 });
    const first = await chats(server.url, 60, { tag: 'before restart' }).finally(() => server.close());
    const before = recorded(cwd).spentUsd;
    server = await spawnServer({ cwd, workers: 2 });
    let second: Tally;
    let dashboardSpentUsd: number;
    try {
      const snapshot = (await (await fetch(`${server.url}/api/dashboard/snapshot`)).json()) as { budget: { daily: { spentUsd: number } | null } };
      dashboardSpentUsd = snapshot.budget.daily?.spentUsd ?? 0;
      second = await chats(server.url, 40, { tag: 'after restart' });
    } finally {
      await server.close();
    }
    const after = recorded(cwd).spentUsd;
    console.log(`restart: ${first.ok} answered before (${before.toFixed(6)} USD), ${second.ok} after; total ${after.toFixed(6)} USD of ${BUDGET_USD}`);
    expect(first.refused).toBeGreaterThan(0);
    // The restarted server knows the day's spend before its first call.
    expect(dashboardSpentUsd).toBeCloseTo(before, 6);
    expect(after).toBeLessThanOrEqual(BUDGET_USD);
    expect(second.refused).toBeGreaterThan(0);
  }, 120_000);

  it('a CLI `research` call and the server share one ledger, no Redis', async () => {
    // At 30/60 USD per million tokens a research call reserves ~0.12–0.2 USD at its worst case
    // (2,000–3,000 output tokens) and spends ~0.03; a chat ~0.012. A 0.21 USD budget admits a CLI
    // call on a fresh ledger, but not once the server has spent the day's budget (a chat's worst
    // case or less left). The late call was once admitted at a cheaper cost-optimised model whose
    // worst case fit what was left, within budget: every model now has the same price.
    const budget = 0.21;
    const cwd = configDir({ dailyBudgetUsd: budget, price: '{ input_per_million: 30, output_per_million: 60 }' });
    const cli = await runFortitude(cwd, ['research', 'How do I size the tokio blocking thread pool?']);
    expect(cli.code, cli.stderr).toBe(0);
    const cliSpent = recorded(cwd).spentUsd;
    expect(cliSpent).toBeGreaterThan(0);
    const server = await spawnServer({ cwd, workers: 2 });
    let tally: Tally;
    let dashboardSpentUsd: number;
    try {
      const snapshot = (await (await fetch(`${server.url}/api/dashboard/snapshot`)).json()) as { budget: { daily: { spentUsd: number } | null } };
      dashboardSpentUsd = snapshot.budget.daily?.spentUsd ?? 0;
      tally = await chats(server.url, 200, { tag: 'server' });
    } finally {
      await server.close();
    }
    expect(dashboardSpentUsd).toBeCloseTo(cliSpent, 6);
    expect(tally.refused).toBeGreaterThan(0);
    const late = await runFortitude(cwd, ['research', 'How do I cancel a tokio task cleanly?']);
    const { spentUsd } = recorded(cwd);
    console.log(`CLI + server: CLI spent ${cliSpent.toFixed(6)} USD, server answered ${tally.ok}; later CLI call exit ${late.code}; total ${spentUsd.toFixed(6)} USD of ${budget}`);
    expect(late.code, `late CLI call answered instead of refusing:\nstdout: ${late.stdout}\nstderr: ${late.stderr}`).toBe(5);
    expect(late.stderr).toMatch(/budget/);
    expect(spentUsd).toBeLessThanOrEqual(budget);
  }, 180_000);
});

describe('a provider rate limit holds for the whole machine (no Redis)', () => {
  it('rpm 6 (a bucket of 6) with 4 workers lets exactly 6 calls reach the provider', async () => {
    const cwd = configDir({
      dailyBudgetUsd: 100,
      openaiRateLimit: '{ requests_per_minute: 6, burst_allowance: 5, tokens_per_minute: 1000000, max_concurrent: 50, max_queue_wait_ms: 0 }',
    });
    const server = await spawnServer({ cwd, workers: 4 });
    const started = Date.now();
    let tally: Tally;
    try {
      tally = await chats(server.url, 40, { concurrency: 8 });
    } finally {
      await server.close();
    }
    // The bucket of 6 refills one call per 10 s: a burst over in less than that admits exactly
    // 6 (on a slow machine, one more per 10 s the burst took; four per-process buckets: 24).
    const seconds = (Date.now() - started) / 1000;
    const { okCalls, reached } = recorded(cwd);
    console.log(`rpm 6 × 4 workers: ${reached.openai ?? 0} calls reached openai (${okCalls.openai ?? 0} answered) in ${seconds.toFixed(1)} s; the others fell back (${JSON.stringify(okCalls)})`);
    expect(reached.openai).toBeGreaterThanOrEqual(6);
    expect(reached.openai).toBeLessThanOrEqual(6 + Math.floor(seconds / 10));
    expect(tally.ok + tally.refused, JSON.stringify(tally)).toBe(40);
  }, 120_000);
});

describe('learned routing is the whole machine’s and survives a restart (no Redis)', () => {
  it('a fresh process reports every worker’s calls', async () => {
    const cwd = configDir({ dailyBudgetUsd: 100 });
    const server = await spawnServer({ cwd, workers: 2 });
    try {
      for (let index = 0; index < 24; index++) {
        const response = await fetch(`${server.url}/api/research`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `How do I configure tokio worker threads for workload ${index}?` }),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      await server.close();
    }
    const { calls } = recorded(cwd);
    // `learning status` runs in a new process with no server to ask: it knows only what was kept.
    const status = await runFortitude(cwd, ['learning', 'status', '--format', 'json', '--url', server.url]);
    expect(status.stderr).toContain(`no Fortitude server at ${server.url}`);
    expect(status.code, status.stderr).toBe(0);
    const learned = JSON.parse(status.stdout) as { estimates: { provider: string; researchType: string; samples: number; qualitySamples: number }[] };
    const samples: Record<string, number> = {};
    for (const estimate of learned.estimates.filter((entry) => entry.researchType === 'implementation')) samples[estimate.provider] = estimate.samples;
    console.log(`learned after restart: ${JSON.stringify(samples)}; recorded calls ${JSON.stringify(calls)}`);
    expect(Object.values(calls).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(24);
    // Every call either worker made (all one research type) is in the estimates.
    for (const [provider, count] of Object.entries(calls)) expect(samples[provider]).toBe(count);
    expect(learned.estimates.some((entry) => entry.qualitySamples > 0)).toBe(true);
  }, 120_000);
});
