import { describe, expect, it } from 'vitest';
import { HealthGate } from './health-gate.js';

describe('HealthGate', () => {
  function setup(probeResult: () => boolean) {
    let now = 0;
    const lines: string[] = [];
    let probes = 0;
    const gate = new HealthGate({
      name: 'redis',
      probeIntervalMs: 1000,
      now: () => now,
      logger: { warn: (_object, message) => lines.push(`warn:${message}`), info: (_object, message) => lines.push(`info:${message}`) },
      probe: async () => {
        probes++;
        return probeResult();
      },
    });
    return { gate, lines, advance: (ms: number) => (now += ms), probes: () => probes };
  }

  it('admits everything while healthy and logs one line per outage and recovery', async () => {
    let up = false;
    const { gate, lines, advance, probes } = setup(() => up);
    gate.markHealthy();
    expect(await gate.admit()).toBe(true);
    gate.markUnhealthy(new Error('timeout'));
    gate.markUnhealthy(new Error('timeout again'));
    expect(gate.outages).toBe(1);
    expect(await gate.admit()).toBe(false); // within the probe interval: skip without probing
    expect(probes()).toBe(0);
    advance(1000);
    expect(await gate.admit()).toBe(false); // probe fails
    expect(probes()).toBe(1);
    up = true;
    advance(1000);
    expect(await gate.admit()).toBe(true);
    expect(gate.healthy).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn:.*unavailable/);
    expect(lines[1]).toMatch(/^info:.*recovered/);
  });

  it('lets only one caller probe at a time', async () => {
    const { gate, advance, probes } = setup(() => true);
    gate.markUnhealthy(new Error('down'));
    advance(1000);
    const results = await Promise.all([gate.admit(), gate.admit(), gate.admit()]);
    expect(results).toEqual([true, false, false]);
    expect(probes()).toBe(1);
  });

  it('stays closed after close()', async () => {
    const { gate } = setup(() => true);
    gate.markHealthy();
    gate.close();
    gate.markHealthy();
    expect(gate.healthy).toBe(false);
    expect(await gate.admit()).toBe(false);
  });

  it('tells onChange once per transition, not per failure', async () => {
    const changes: boolean[] = [];
    let up = false;
    let now = 0;
    const gate = new HealthGate({ name: 'redis', probeIntervalMs: 1000, now: () => now, probe: async () => up, onChange: (healthy) => changes.push(healthy) });
    gate.markHealthy(); // start-up: not a recovery
    for (let index = 0; index < 5; index++) gate.markUnhealthy(new Error('refused'));
    now += 1000;
    expect(await gate.admit()).toBe(false); // the probe fails: still down, no new change
    up = true;
    now += 1000;
    expect(await gate.admit()).toBe(true);
    gate.markHealthy();
    expect(changes).toEqual([false, true]);
  });
});
