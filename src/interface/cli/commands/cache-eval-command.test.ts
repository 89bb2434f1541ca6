import { describe, expect, it } from 'vitest';
import { DEFAULT_SWEEP } from '../../../operations/cache-eval/default-sweep.js';
import { sweepOf } from './cache-eval-command.js';

describe('cache eval --sweep', () => {
  it('takes the thresholds comma-separated or as the README writes them, in brackets', () => {
    expect(sweepOf('0.8,0.9')).toEqual([0.8, 0.9]);
    expect(sweepOf('[0.8,0.9]')).toEqual([0.8, 0.9]);
    expect(sweepOf(' [0.8, 0.9, 0.95] ')).toEqual([0.8, 0.9, 0.95]);
  });

  it('alone measures the default list; absent, none', () => {
    expect(sweepOf(true)).toEqual(DEFAULT_SWEEP);
    expect(sweepOf(undefined)).toBeUndefined();
  });

  it('refuses what is not a list of thresholds in (0, 1], saying both forms', () => {
    for (const bad of ['0.8,abc', '[]', '[0.8,1.5]', '[[0.8]]', '0']) {
      expect(() => sweepOf(bad), bad).toThrow(/--sweep: expected comma-separated similarity thresholds between 0 and 1, e\.g\. 0\.8,0\.9,0\.95 or \[0\.8,0\.9,0\.95\]/);
    }
  });
});
