import { describe, expect, it } from 'vitest';
import type { ProviderBaseline } from './provider-rules.js';
import { detectDegradations, proposeProviderSelection, updateBaselines } from './provider-rules.js';
import { provider, windowOf } from '../../../test/support/optimizer-window-fixture.js';

const AT = 1_700_000_000_000;
const none = { active: new Set<string>(), avoided: new Set<string>() };
const baseline = (p95: number, extra: Partial<ProviderBaseline> = {}): ProviderBaseline => ({ p50: p95 / 1.2, p95, errorRate: 0, quality: null, costPerRequest: null, at: AT - 60_000, ...extra });

describe('provider selection rule', () => {
  it('moves traffic from a provider whose p95 degraded to the fastest healthy one', () => {
    const window = windowOf(AT, { providers: { alpha: provider({ calls: 60, p95: 300 }), beta: provider({ calls: 30, p95: 40 }), gamma: provider({ calls: 30, p95: 25 }) } });
    const baselines = new Map([['alpha', baseline(30)]]);
    const [proposal, ...rest] = proposeProviderSelection(window, baselines, none, { researchTypes: ['implementation', 'learning'] });
    expect(rest).toHaveLength(0);
    expect(proposal).toMatchObject({
      type: 'provider_selection',
      key: 'provider_selection:avoid:alpha',
      safe: true,
      target: { name: 'provider_latency_p95', direction: 'decrease' },
      change: {
        avoid: 'alpha',
        prefer: 'gamma',
        routeChanges: [
          { kind: 'prefer_provider', researchType: 'implementation', provider: 'gamma', instead: 'alpha' },
          { kind: 'prefer_provider', researchType: 'learning', provider: 'gamma', instead: 'alpha' },
        ],
      },
    });
    // Half of 60 calls above a latency only 5 % used to reach: no doubt left.
    expect(proposal!.confidence).toBeGreaterThan(0.99);
  });

  it('is less sure with fewer calls, and silent below minCalls', () => {
    const few = (calls: number) =>
      windowOf(AT, { providers: { alpha: { ...provider({ calls, p95: 300 }), latency: { count: calls, p50: 20, p95: 300, p99: 310, max: 320 } }, beta: provider({ calls: 30, p95: 40 }) } });
    const baselines = new Map([['alpha', baseline(30)]]);
    // Only the tail is slow: ≥ 5 % of 20 calls above the threshold is weak evidence.
    const weak = proposeProviderSelection(few(20), baselines, none)[0]!;
    expect(weak.confidence).toBeLessThan(0.9);
    const strong = proposeProviderSelection(few(400), baselines, none)[0]!;
    expect(strong.confidence).toBeGreaterThan(weak.confidence);
    expect(proposeProviderSelection(few(19), baselines, none)).toEqual([]);
  });

  it('ignores small absolute increases and judges against peers without a baseline', () => {
    const wobble = windowOf(AT, { providers: { alpha: provider({ calls: 50, p95: 6 }), beta: provider({ calls: 50, p95: 2 }) } });
    expect(detectDegradations(wobble, new Map([['alpha', baseline(2)]]))).toEqual([]);
    const slow = windowOf(AT, { providers: { alpha: provider({ calls: 50, p95: 400 }), beta: provider({ calls: 50, p95: 20 }), gamma: provider({ calls: 50, p95: 30 }) } });
    const found = detectDegradations(slow, new Map());
    expect(found.map((entry) => [entry.provider, entry.kind])).toEqual([['alpha', 'latency']]);
    expect(found[0]!.reference).toBe(25);
  });

  it('sees a shift of the whole distribution even when stalls inflated the old p95', () => {
    // Old: median 2 ms, p95 200 ms (a busy host). New: every call ≈ 300 ms — under the old p95 ×2.
    const slow = { count: 35, avg: 296, p50: 300, p95: 308, p99: 310, max: 311 };
    const window = windowOf(AT, { providers: { alpha: { ...provider({ calls: 35 }), latency: slow }, beta: provider({ calls: 30, p95: 40 }) } });
    const baselines = new Map([['alpha', { ...baseline(200), p50: 2 }]]);
    const [found] = detectDegradations(window, baselines);
    expect(found).toMatchObject({ provider: 'alpha', kind: 'latency', statistic: 'p50', reference: 2, threshold: 52 });
    expect(found!.confidence).toBeGreaterThan(0.999);
    // Without the mean, "the median is above" only proves half the calls were: a coin flip.
    const [weak] = detectDegradations({ ...window, providers: { ...window.providers, alpha: { ...window.providers.alpha!, latency: { ...slow, avg: null } } } }, baselines);
    expect(weak!.confidence).toBeLessThan(0.6);
  });

  it('flags error rates by how unlikely the failures are under the old rate', () => {
    const failing = (failures: number, calls = 100) =>
      windowOf(AT, { providers: { alpha: provider({ calls, failures, errorRate: failures / calls, p95: 30 }), beta: provider({ calls: 100, p95: 30 }) } });
    const baselines = new Map([['alpha', baseline(30, { errorRate: 0.01 })]]);
    expect(proposeProviderSelection(failing(3), baselines, none)).toEqual([]);
    // 1 failure in 20 calls could be the old 1 % rate's bad luck (p ≈ 0.18); 30 in 100 cannot.
    const mild = proposeProviderSelection(failing(1, 20), baselines, none)[0]!;
    const severe = proposeProviderSelection(failing(30), baselines, none)[0]!;
    expect(severe.target).toEqual({ name: 'provider_error_rate', direction: 'decrease' });
    expect(severe.change).toMatchObject({ avoid: 'alpha', prefer: 'beta' });
    expect(mild.confidence).toBeLessThan(0.9);
    expect(severe.confidence).toBeGreaterThan(0.999);
  });

  it('does not call a move safe when the alternative is clearly worse in quality or cost', () => {
    const window = (beta: { quality?: number; costPerRequest?: number }) =>
      windowOf(AT, { providers: { alpha: provider({ calls: 60, p95: 300, quality: 0.9, costPerRequest: 0.001 }), beta: provider({ calls: 60, p95: 30, quality: 0.9, costPerRequest: 0.001, ...beta }) } });
    const baselines = new Map([['alpha', baseline(30)]]);
    expect(proposeProviderSelection(window({}), baselines, none)[0]!.safe).toBe(true);
    expect(proposeProviderSelection(window({ quality: 0.8 }), baselines, none)[0]!.safe).toBe(false);
    expect(proposeProviderSelection(window({ costPerRequest: 0.01 }), baselines, none)[0]!.safe).toBe(false);
  });

  it('skips changes in force, avoided alternatives, and uses remembered alternatives with less confidence', () => {
    const window = windowOf(AT, { providers: { alpha: provider({ calls: 60, p95: 300 }), beta: provider({ calls: 60, p95: 30 }) } });
    const baselines = new Map([
      ['alpha', baseline(30)],
      ['gamma', baseline(20)],
    ]);
    expect(proposeProviderSelection(window, baselines, { active: new Set(['provider_selection:avoid:alpha']), avoided: new Set() })).toEqual([]);
    const viaMemory = proposeProviderSelection(window, baselines, { active: new Set(), avoided: new Set(['beta']) })[0]!;
    expect(viaMemory.change).toMatchObject({ prefer: 'gamma' });
    expect(viaMemory.evidence.alternativeSource).toBe('baseline');
    const viaWindow = proposeProviderSelection(window, new Map([['alpha', baseline(30)]]), none)[0]!;
    expect(viaMemory.confidence).toBeCloseTo(viaWindow.confidence * 0.95, 10);
    // No healthy alternative known at all: nothing to propose.
    expect(proposeProviderSelection(window, new Map([['alpha', baseline(30)]]), { active: new Set(), avoided: new Set(['beta']) })).toEqual([]);
  });
});

describe('baselines', () => {
  it('learn from healthy windows only and blend', () => {
    const baselines = new Map<string, ProviderBaseline>();
    updateBaselines(baselines, windowOf(AT, { providers: { alpha: provider({ calls: 50, p95: 30 }), beta: provider({ calls: 5, p95: 30 }) } }), new Set());
    expect(baselines.get('alpha')?.p95).toBe(30);
    expect(baselines.has('beta')).toBe(false);
    updateBaselines(baselines, windowOf(AT + 1, { providers: { alpha: provider({ calls: 50, p95: 300 }) } }), new Set(['alpha']));
    expect(baselines.get('alpha')?.p95).toBe(30);
    updateBaselines(baselines, windowOf(AT + 2, { providers: { alpha: provider({ calls: 50, p95: 40 }) } }), new Set());
    expect(baselines.get('alpha')?.p95).toBeCloseTo(33, 10);
  });
});
