import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from './fast-series.js';

describe('fast series', () => {
  it('formats histograms as prom-client does: cumulative buckets, le inclusive, +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = new FastHistogram({ name: 'h_seconds', help: 'h', labelNames: ['route'], buckets: [0.1, 0.5, 1] }).register(registry);
    const series = histogram.series(['/a']);
    for (const value of [0.05, 0.1, 0.3, 2]) histogram.observe(series, value);
    const body = await registry.metrics();
    expect(body).toContain('h_seconds_bucket{route="/a",le="0.1"} 2');
    expect(body).toContain('h_seconds_bucket{route="/a",le="0.5"} 3');
    expect(body).toContain('h_seconds_bucket{route="/a",le="1"} 3');
    expect(body).toContain('h_seconds_bucket{route="/a",le="+Inf"} 4');
    expect(body).toContain('h_seconds_sum{route="/a"} 2.45');
    expect(body).toContain('h_seconds_count{route="/a"} 4');
    expect(body).toContain('# TYPE h_seconds histogram');
  });

  it('returns the same series for the same label values and resets in place', async () => {
    const registry = new Registry();
    const counter = new FastCounter({ name: 'c_total', help: 'c', labelNames: ['a', 'b'] }).register(registry);
    counter.series(['x', 'y']).value += 2;
    counter.series(['x', 'y']).value += 1;
    counter.series(['x', 'z']).value += 5;
    expect(counter.series(['x', 'y']).value).toBe(3);
    expect(await registry.metrics()).toContain('c_total{a="x",b="z"} 5');
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('c_total{a="x",b="y"} 0');
  });
});
