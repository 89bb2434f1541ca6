import { describe, expect, it } from 'vitest';
import { judgeChange, movement } from './judge-change.js';
import type { TargetMetric } from './optimizer-window.js';

const latency: TargetMetric = { name: 'provider_latency_p95', direction: 'decrease' };
const hitRatio: TargetMetric = { name: 'cache_hit_ratio', subject: 'query_results', direction: 'increase' };
const saving: TargetMetric = { name: 'cache_level_hit_ratio', subject: 'memory', direction: 'hold' };
const reading = (value: number | null, samples = 100) => ({ value, samples });
const options = { minSamples: 20, windowsWatched: 0, maxWatchWindows: 3 };

describe('movement', () => {
  it('uses a relative band for latency and an absolute one for ratios', () => {
    expect(movement(latency, 300, 20)).toBe('improved');
    expect(movement(latency, 300, 320)).toBe('unchanged');
    expect(movement(latency, 300, 340)).toBe('worse');
    expect(movement(latency, 2, 6)).toBe('unchanged');
    expect(movement(hitRatio, 0.3, 0.31)).toBe('unchanged');
    expect(movement(hitRatio, 0.3, 0.4)).toBe('improved');
    expect(movement(hitRatio, 0.3, 0.2)).toBe('worse');
    expect(movement(hitRatio, 0.3, 0.31, { ratioAbsolute: 0.005 })).toBe('improved');
  });
});

describe('judgeChange', () => {
  it('keeps what improved and rolls back what got worse', () => {
    expect(judgeChange(latency, reading(300), reading(20), options)).toMatchObject({ decision: 'keep', reason: 'improved' });
    expect(judgeChange(latency, reading(20), reading(300), options)).toMatchObject({ decision: 'roll_back', reason: 'worse' });
  });

  it('rolls back a change that did not help unless told to keep it; a saving only needs to hold', () => {
    expect(judgeChange(hitRatio, reading(0.3), reading(0.3), options)).toMatchObject({ decision: 'roll_back', reason: 'unchanged' });
    expect(judgeChange(hitRatio, reading(0.3), reading(0.3), { ...options, keepUnchanged: true })).toMatchObject({ decision: 'keep', reason: 'unchanged' });
    expect(judgeChange(saving, reading(0.8), reading(0.79), options)).toMatchObject({ decision: 'keep', reason: 'unchanged' });
    expect(judgeChange(saving, reading(0.8), reading(0.6), options)).toMatchObject({ decision: 'roll_back', reason: 'worse' });
  });

  it('waits for evidence, then forces a verdict', () => {
    expect(judgeChange(hitRatio, reading(0.3), reading(0.9, 5), options)).toEqual({ decision: 'wait' });
    expect(judgeChange(hitRatio, reading(0.3), reading(null, 0), { ...options, windowsWatched: 2 })).toEqual({ decision: 'roll_back', reason: 'inconclusive' });
    expect(judgeChange(saving, reading(0.8), reading(null, 0), { ...options, windowsWatched: 2 })).toEqual({ decision: 'keep', reason: 'inconclusive' });
  });
});
