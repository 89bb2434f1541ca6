import { describe, expect, it } from 'vitest';
import { createRouter } from '../../pipeline/routing/router.js';
import { createRouteSteering } from './route-steering.js';

function steering() {
  const router = createRouter({
    providers: ['alpha', 'beta', 'gamma'],
    selection: {
      type: 'fixed_order',
      criteria: { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 },
      windowMs: 3_600_000,
      minSamples: 10,
      adaptiveSelection: false,
      qualityThreshold: 0.8,
      latencyThresholdMs: 2_000,
    },
  });
  return createRouteSteering(router);
}

describe('route steering', () => {
  it('moves the preferred provider first for its research type and says why', () => {
    const steer = steering();
    steer.applyRouteChanges([{ kind: 'prefer_provider', researchType: 'implementation', provider: 'gamma', instead: 'alpha' }]);
    const plan = steer.router.plan({ researchType: 'implementation' });
    expect(plan.order).toEqual(['gamma', 'alpha', 'beta']);
    expect(plan.reasons[0]).toMatchObject({ provider: 'gamma', code: 'optimization_applied', detail: 'performance optimizer: instead of alpha' });
    expect(steer.router.plan({ researchType: 'learning' }).order).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('undoes exactly its own layer, whatever was applied after it', () => {
    const steer = steering();
    const undoFirst = steer.applyRouteChanges([{ kind: 'prefer_provider', researchType: 'implementation', provider: 'beta' }]);
    const undoSecond = steer.applyRouteChanges([{ kind: 'prefer_provider', researchType: 'implementation', provider: 'gamma' }]);
    expect(steer.router.plan({ researchType: 'implementation' }).order[0]).toBe('gamma');
    void undoFirst();
    expect(steer.router.plan({ researchType: 'implementation' }).order[0]).toBe('gamma');
    void undoSecond();
    expect(steer.router.plan({ researchType: 'implementation' }).order).toEqual(['alpha', 'beta', 'gamma']);
    expect(steer.active()).toEqual([]);
  });

  it("keeps a caller's explicit provider and pins models undoably", () => {
    const steer = steering();
    const undo = steer.applyRouteChanges([
      { kind: 'prefer_provider', researchType: 'implementation', provider: 'gamma' },
      { kind: 'use_model', provider: 'beta', model: 'beta-small' },
    ]);
    const plan = steer.router.plan({ researchType: 'implementation', preferred: 'beta' });
    expect(plan.order[0]).toBe('beta');
    expect(plan.models.beta).toBe('beta-small');
    void undo();
    expect(steer.router.plan({ researchType: 'implementation' }).models.beta).toBeUndefined();
  });
});
