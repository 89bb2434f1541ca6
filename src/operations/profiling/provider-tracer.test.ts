import { describe, expect, it } from 'vitest';
import { traceProviders, type CallRecord, type TrySample } from './provider-tracer.js';

function fakes() {
  const statsSeen: TrySample[] = [];
  const recorded: CallRecord[] = [];
  return {
    statsSeen,
    recorded,
    deps: {
      stats: { record: (sample: TrySample) => void statsSeen.push(sample) },
      recorder: { add: (record: CallRecord) => void recorded.push(record) },
      status: async () => [{ name: 'a', breaker: 'closed' }],
    },
  };
}

describe('traceProviders', () => {
  it('groups the records of one synchronous turn into one request trace and summarises tries', async () => {
    const { deps, statsSeen, recorded } = fakes();
    const controller = new AbortController();
    const tracing = traceProviders(deps, { durationMs: 60_000, traceRequests: true, includeNetwork: false, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Request 1: provider a fails twice on the wire (a retry), then the call falls back to b.
    deps.stats.record({ provider: 'a', model: 'm', latencyMs: 30, outcome: 'server' });
    deps.stats.record({ provider: 'a', model: 'm', latencyMs: 40, outcome: 'server' });
    deps.stats.record({ provider: 'b', model: 'n', latencyMs: 20, outcome: 'ok' });
    deps.recorder.add({ provider: 'a', model: 'm', latencyMs: 70, status: 'error', errorClass: 'server' });
    deps.recorder.add({ provider: 'b', model: 'n', latencyMs: 95, status: 'ok', costUsd: 0.5, inputTokens: 10, outputTokens: 5, fallbackFrom: 'a' });
    await Promise.resolve();
    // Request 2: b answers at once.
    deps.stats.record({ provider: 'b', model: 'n', latencyMs: 10, outcome: 'ok' });
    deps.recorder.add({ provider: 'b', model: 'n', latencyMs: 12, status: 'ok', costUsd: 0.25 });
    controller.abort();
    const profile = await tracing;

    expect(profile.traceCount).toBe(2);
    expect(profile.traces!.map((trace) => trace.attempts.map((attempt) => `${attempt.provider}:${attempt.status}`))).toEqual([['a:error', 'b:ok'], ['b:ok']]);
    expect(profile.traces![0]!).toMatchObject({ provider: 'b', status: 'ok', latencyMs: 95, costUsd: 0.5, inputTokens: 10 });
    const a = profile.summary.find((entry) => entry.provider === 'a')!;
    expect(a).toMatchObject({ tries: 2, failedTries: 2, calls: 1, answered: 0, retries: 1, errorsByClass: { server: 2 } });
    const b = profile.summary.find((entry) => entry.provider === 'b')!;
    expect(b).toMatchObject({ tries: 2, calls: 2, answered: 2, retries: 0, costUsd: 0.75 });
    expect(b.callLatency.p50).toBe(12);
    expect(profile.status.before).toEqual([{ name: 'a', breaker: 'closed' }]);
    // The real sinks still got everything, and are unwrapped now.
    expect(statsSeen).toHaveLength(4);
    expect(recorded).toHaveLength(3);
    deps.recorder.add({ provider: 'c', model: 'x', latencyMs: 1, status: 'ok' });
    expect(profile.traceCount).toBe(2);
  });

  it('keeps only the summary without --trace-requests', async () => {
    const { deps } = fakes();
    const controller = new AbortController();
    const tracing = traceProviders(deps, { durationMs: 60_000, traceRequests: false, includeNetwork: false, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    deps.recorder.add({ provider: 'a', model: 'm', latencyMs: 5, status: 'ok' });
    await Promise.resolve();
    controller.abort();
    const profile = await tracing;
    expect(profile.traces).toBeUndefined();
    expect(profile.traceCount).toBe(1);
    expect(profile.summary[0]).toMatchObject({ provider: 'a', calls: 1 });
  });
});
