/**
 * Scale-out proof (issue 9): two `fortitude serve` processes on one PostgreSQL database and one
 * Redis key prefix, behind the loopback round-robin balancer, each with its own simulator.
 *
 * 1. Load through the balancer; one replica is SIGKILLed mid-load. Every request ends (no hang)
 *    with success or a clean error; only requests in flight on the dead replica fail, as 502s
 *    from the balancer; the survivor keeps serving, and serves the research answers (exact and
 *    semantic) and the gateway response the dead one wrote; a provider rate limit holds in total.
 * 2. A daily budget holds in total: what one replica spent, the other cannot spend again.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClosedLoop, seededRandom, sendRequest, type PlannedRequest, type RequestOutcome } from './closed-loop.js';
import { startReplicaSet, type ReplicaSet } from './replica-harness.js';

/** Questions the doomed replica answers first; the survivor must serve them from the shared caches. */
const SEEDED = [
  { question: 'How do I install Redis on Ubuntu 22.04?', paraphrase: 'How can I set up Redis on Ubuntu 22.04?' },
  { question: 'How do I add a readiness probe to a Kubernetes deployment?', paraphrase: 'How can I add a readiness probe to my Kubernetes deployment?' },
];
const SEEDED_CHAT = 'Explain what a write-ahead log is, briefly.';

const REPEATED = [
  'What is a B-tree index?',
  'How do I rotate TLS certificates in nginx?',
  'Compare Redis and Memcached for session storage',
  'How do I vacuum a PostgreSQL table?',
  'What is the difference between TCP and UDP?',
  'How do I write a Dockerfile for a Node.js service?',
  'Explain Rust ownership and borrowing',
  'How do I set up Prometheus alerting rules?',
];
const TOPICS = ['Kafka consumer groups', 'Redis streams', 'nginx upstream keepalive', 'gRPC deadlines', 'Terraform state locking', 'Go contexts', 'Python asyncio tasks', 'SQLite WAL checkpoints'];

/** The rate limit under test: openai gets 12 requests per minute with a burst of 10, shared by both replicas. */
const OPENAI_RPM = 12;
const OPENAI_BURST_CAPACITY = 10;

const LOAD_CONCURRENCY = 6;
// 4 s of load on both replicas, then 6 s on the survivor alone: hundreds of requests each way even
// on a loaded 2-core machine (729 in 18 s at load 14, 3,863 at load 20 on a faster one), where the
// assertions need both replicas before the kill and > 20 answers after it. The rate limit's burst
// of 10 is spent within the first second. (Was 18 s with the kill at 7 s: 8 s of CI for nothing more.)
const LOAD_MS = 10_000;
const KILL_AFTER_MS = 4_000;

const LOAD_CONFIG = `
providers:
  openai:
    rate_limit: { requests_per_minute: ${OPENAI_RPM}, burst_allowance: ${OPENAI_BURST_CAPACITY - 1}, max_queue_wait_ms: 100, tokens_per_minute: 100000000 }
  # Only openai's request rate is under test; the seed's token limits would make the others queue.
  claude:
    rate_limit: { requests_per_minute: 1000000, tokens_per_minute: 100000000, max_concurrent: 1000 }
  gemini:
    rate_limit: { requests_per_minute: 1000000, tokens_per_minute: 100000000, max_concurrent: 1000 }
simulator: { latency_ms: 5 }
optimizer: { enabled: false }
`;

function planLoad(random: () => number) {
  let unique = 0;
  return (): PlannedRequest => {
    const pick = random();
    if (pick < 0.35) return { kind: 'research', path: '/api/research', body: { query: REPEATED[Math.floor(random() * REPEATED.length)] } };
    if (pick < 0.5) {
      const topic = TOPICS[unique % TOPICS.length];
      return { kind: 'research', path: '/api/research', body: { query: `How do I tune ${topic} for throughput, case ${unique++}?` } };
    }
    // gpt-4o-mini is openai's model: openai first (the rate limit under test), then fallback.
    if (pick < 0.85) {
      return { kind: 'gateway', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', temperature: 0.7, messages: [{ role: 'user', content: `Explain ${TOPICS[Math.floor(random() * TOPICS.length)]}` }] } };
    }
    return { kind: 'gateway', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: `Define ${TOPICS[Math.floor(random() * TOPICS.length)]}` }] } };
  };
}

const research = (baseUrl: string, query: string) => sendRequest(baseUrl, { kind: 'research', path: '/api/research', body: { query } });
const chat = (baseUrl: string, content: string) =>
  sendRequest(baseUrl, { kind: 'gateway', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] } });

function tally(outcomes: readonly RequestOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = `${outcome.kind} ${outcome.status}${outcome.errorCode ? ` ${outcome.errorCode}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('two replicas on one PostgreSQL and one Redis, one killed mid-load', () => {
  let set: ReplicaSet;
  let startedAt: number;
  const seeded: { id: string }[] = [];
  let outcomes: RequestOutcome[] = [];
  let killedAt = 0;

  beforeAll(async () => {
    startedAt = performance.now();
    set = await startReplicaSet({ replicas: 2, configYaml: LOAD_CONFIG });
  }, 60_000);

  afterAll(async () => {
    await set?.close();
  }, 30_000);

  it('the replica about to die answers some questions first (writing the shared caches)', async () => {
    const doomed = set.replicas[0]!;
    for (const { question } of SEEDED) {
      const outcome = await research(doomed.url, question);
      expect(outcome.status).toBe(200);
      expect((outcome.body?.cache as { kind: string }).kind).toBe('miss');
      seeded.push({ id: outcome.body?.id as string });
    }
    const answer = await chat(doomed.url, SEEDED_CHAT);
    expect(answer.status).toBe(200);
    expect(answer.headers?.get('x-fortitude-cache')).toBe('miss');
  });

  it('under load through the balancer, a SIGKILL fails only the requests in flight on the dead replica, as clean 502s', async () => {
    const [doomed, survivor] = set.replicas as [ReplicaSet['replicas'][0], ReplicaSet['replicas'][0]];
    const loadStart = performance.now();
    const killer = setTimeout(() => {
      killedAt = performance.now();
      doomed.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    try {
      outcomes = await runClosedLoop({ baseUrl: set.url, concurrency: LOAD_CONCURRENCY, durationMs: LOAD_MS, next: planLoad(seededRandom(9)), requestTimeoutMs: 15_000 });
    } finally {
      clearTimeout(killer);
    }
    expect(await doomed.exited).toBeNull(); // killed by the signal, no exit code
    const summary = tally(outcomes);
    const lost = outcomes.filter((outcome) => outcome.status === 502);
    console.info('two-replica load', {
      requests: outcomes.length,
      killedAfterMs: Math.round(killedAt - loadStart),
      balancer: set.balancer.stats(),
      outcomes: summary,
      exitSeenAfterKillMs: Math.round(doomed.exitedAt() - killedAt),
      lostMsAroundKill: lost.map((outcome) => [Math.round(outcome.startedAt - killedAt), Math.round(outcome.endedAt - killedAt)]),
    });

    // No hang, no connection failure: every request got an HTTP answer.
    expect(outcomes.filter((outcome) => outcome.status === 0)).toEqual([]);
    // Only clean outcomes: success, Fortitude's own coded refusals, or the balancer's 502.
    const unexpected = outcomes.filter((outcome) => ![200, 402, 429, 503].includes(outcome.status) && !(outcome.status === 502 && outcome.errorCode === 'upstream_failed'));
    expect(unexpected.map((outcome) => `${outcome.kind} ${outcome.status} ${outcome.errorCode}`)).toEqual([]);
    for (const refused of outcomes.filter((outcome) => outcome.status !== 200 && outcome.status !== 502)) {
      expect(refused.errorCode, `${refused.status} without an error code`).toMatch(/^[a-z_]+$/);
    }
    // The 502s were in flight on the dead replica when it died: sent before its exit was seen,
    // answered after the kill signal. One per client at most.
    const diedAt = doomed.exitedAt();
    expect(lost.length).toBeLessThanOrEqual(LOAD_CONCURRENCY);
    for (const outcome of lost) {
      expect(outcome.startedAt).toBeLessThanOrEqual(diedAt + 100); // the balancer and this test see the death through different events
      expect(outcome.endedAt).toBeGreaterThanOrEqual(killedAt);
    }
    // Both served before the kill; afterwards only the survivor, and it kept serving.
    const before = outcomes.filter((outcome) => outcome.endedAt < killedAt && outcome.status === 200);
    expect(new Set(before.map((outcome) => outcome.backend))).toEqual(new Set([doomed.url, survivor.url]));
    const after = outcomes.filter((outcome) => outcome.startedAt > killedAt + 250);
    expect(after.filter((outcome) => outcome.status === 200).length).toBeGreaterThan(20);
    expect(new Set(after.map((outcome) => outcome.backend))).toEqual(new Set([survivor.url]));
    expect(survivor.child.exitCode).toBeNull();
  }, 40_000);

  it('the survivor serves the answers the dead replica wrote: exact, semantic, and gateway responses', async () => {
    const survivor = set.replicas[1]!;
    for (const [index, { question, paraphrase }] of SEEDED.entries()) {
      const exact = await research(survivor.url, question);
      expect(exact.body).toMatchObject({ id: seeded[index]!.id, cache: { kind: 'exact' } });
      // Only the semantic index can match a paraphrase; the survivor got the entry over Redis pub/sub.
      const semantic = await research(survivor.url, paraphrase);
      expect(semantic.body).toMatchObject({ id: seeded[index]!.id, cache: { kind: 'semantic' } });
    }
    const answer = await chat(survivor.url, SEEDED_CHAT);
    expect(answer.status).toBe(200);
    expect(answer.headers?.get('x-fortitude-cache')).toBe('exact');
  });

  it('the openai rate limit held in total across both replicas (and was saturated)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 600)); // the survivor's batched records land
    const elapsedMs = performance.now() - startedAt;
    const { rows } = await set.postgres!.query(`SELECT count(*)::int AS calls FROM provider_requests WHERE provider = 'openai' AND status = 'ok'`);
    const calls = (rows[0] as { calls: number }).calls;
    // Token bucket shared in Redis: a full burst, then OPENAI_RPM per minute, whatever the replica count.
    const allowed = OPENAI_BURST_CAPACITY + (OPENAI_RPM / 60_000) * elapsedMs;
    console.info('openai calls', { calls, allowed: Number(allowed.toFixed(1)), perReplicaLimitsWouldAllow: Number((2 * OPENAI_BURST_CAPACITY + (OPENAI_RPM / 60_000) * (elapsedMs + KILL_AFTER_MS)).toFixed(1)) });
    expect(calls).toBeLessThanOrEqual(Math.floor(allowed));
    // The load asked for far more: the limit, not the load, decided the count (records of the
    // dead replica's last ~250 ms could be missing, which only lowers the count).
    expect(calls).toBeGreaterThanOrEqual(OPENAI_BURST_CAPACITY);
    const gatewayAnswers = outcomes.filter((outcome) => outcome.kind === 'gateway' && outcome.status === 200);
    expect(gatewayAnswers.filter((outcome) => outcome.headers?.get('x-fortitude-provider') !== 'openai').length).toBeGreaterThan(calls);
  });
});

const BUDGET_USD = 0.3;
const BUDGET_CONFIG = `
providers:
  openai: { models: [gpt-4] }
cost_management:
  global: { daily_budget_usd: ${BUDGET_USD} }
  budget_controls:
    actions: { '100_percent': emergency_stop }
simulator: { latency_ms: 2 }
optimizer: { enabled: false }
`;

describe('two replicas share one daily budget', () => {
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await startReplicaSet({ replicas: 2, configYaml: BUDGET_CONFIG });
  }, 60_000);

  afterAll(async () => {
    await set?.close();
  }, 30_000);

  it('what one replica spent, the other cannot spend again; in total the spend stays within the budget', async () => {
    const [first, second] = set.replicas as [ReplicaSet['replicas'][0], ReplicaSet['replicas'][0]];
    let sequence = 0;
    const spend = (baseUrl: string) =>
      sendRequest(baseUrl, {
        kind: 'gateway',
        path: '/v1/chat/completions',
        body: { model: 'gpt-4', temperature: 0.7, messages: [{ role: 'user', content: `Explain consistent hashing, variant ${sequence++}` }] },
      });
    // The first replica spends until the budget refuses it.
    let firstAnswered = 0;
    let refusal: RequestOutcome | undefined;
    for (let attempt = 0; attempt < 80 && !refusal; attempt++) {
      const outcome = await spend(first.url);
      if (outcome.status === 200) firstAnswered++;
      else refusal = outcome;
    }
    expect(refusal).toMatchObject({ status: 402, errorCode: 'budget_exceeded' });
    expect(firstAnswered).toBeGreaterThan(3);
    const spentByFirst = await ledgerSpentUsd(set);
    expect(spentByFirst).toBeGreaterThan(BUDGET_USD / 2);

    // The second replica, which has spent nothing itself, finds the budget (nearly) gone.
    const secondOutcomes: RequestOutcome[] = [];
    for (let attempt = 0; attempt < 5; attempt++) secondOutcomes.push(await spend(second.url));
    expect(secondOutcomes.filter((outcome) => outcome.status === 402).length).toBeGreaterThanOrEqual(4);
    // Then both at once through the balancer: still nothing beyond the budget.
    const burst = await runClosedLoop({ baseUrl: set.url, concurrency: 6, durationMs: 1_500, next: () => ({ kind: 'gateway', path: '/v1/chat/completions', body: { model: 'auto', temperature: 0.7, messages: [{ role: 'user', content: `Explain sharding, variant ${sequence++}` }] } }) });
    expect(burst.filter((outcome) => outcome.status === 0 || outcome.status >= 500)).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 600)); // batched request records land
    const spentInLedger = await ledgerSpentUsd(set);
    const { rows } = await set.postgres!.query(`SELECT coalesce(sum(cost_usd), 0)::float AS spent, count(*)::int AS calls FROM provider_requests WHERE status = 'ok'`);
    const recorded = rows[0] as { spent: number; calls: number };
    console.info('shared budget', { budgetUsd: BUDGET_USD, spentByFirst, spentInLedger, recorded, second: tally(secondOutcomes), burst: tally(burst) });
    expect(spentInLedger).toBeLessThanOrEqual(BUDGET_USD);
    expect(recorded.spent).toBeLessThanOrEqual(BUDGET_USD + 1e-9);
    expect(recorded.spent).toBeCloseTo(spentInLedger, 6);
  }, 60_000);
});

/** Today's spend in the shared Redis ledger (`RedisBudgetStore`: integer nano-USD). */
async function ledgerSpentUsd(set: ReplicaSet): Promise<number> {
  const keys = await set.redis!.keys(`{${set.keyPrefix}:budget}:period:day:*`);
  expect(keys.length).toBe(1);
  return Number(await set.redis!.hget(keys[0]!, 'spent')) / 1e9;
}
