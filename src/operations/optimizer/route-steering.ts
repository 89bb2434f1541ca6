import type { RouteChange, Router, RoutePlan } from '../../pipeline/routing/router.js';
import type { Undo } from './optimization.js';

/**
 * Undoable route changes over the learning router. `router.applyChanges` has no way back (a
 * preference stays until another replaces it), so the optimizer's changes live in this wrapper
 * instead, as layers: each applied batch is one layer, the newest layer that mentions a research
 * type (or model pin) wins, and an undo removes exactly its layer — whatever was applied after.
 *
 * The wrapper is the router the pipeline uses; everything else passes through. A caller's
 * explicit `preferred` provider still wins over a steered preference.
 */
export interface RouteSteering {
  readonly router: Router;
  applyRouteChanges(changes: readonly RouteChange[]): Undo;
  /** The changes in force, oldest layer first. */
  active(): RouteChange[];
}

const SEP = '\u0000';

export function createRouteSteering(inner: Router): RouteSteering {
  let layers: { id: number; changes: readonly RouteChange[] }[] = [];
  let nextId = 1;
  let preferences = new Map<string, Extract<RouteChange, { kind: 'prefer_provider' }>>();
  let pins = new Map<string, string>();

  const rebuild = () => {
    preferences = new Map();
    pins = new Map();
    for (const layer of layers) {
      for (const change of layer.changes) {
        if (change.kind === 'prefer_provider') preferences.set(change.researchType, change);
        else pins.set(change.researchType === undefined ? change.provider : `${change.provider}${SEP}${change.researchType}`, change.model);
      }
    }
  };

  const steer = (plan: RoutePlan, preferred: string | undefined): RoutePlan => {
    if (preferences.size === 0 && pins.size === 0) return plan;
    let { order, reasons, models } = plan;
    const preference = preferences.get(plan.researchType);
    const callerWon = preferred !== undefined && order[0] === preferred;
    if (preference && !callerWon && order.includes(preference.provider) && order[0] !== preference.provider) {
      order = [preference.provider, ...order.filter((name) => name !== preference.provider)];
      const detail = preference.instead === undefined ? 'performance optimizer' : `performance optimizer: instead of ${preference.instead}`;
      reasons = [{ provider: preference.provider, code: 'optimization_applied', detail }, ...reasons];
    }
    if (pins.size > 0) {
      models = { ...models };
      for (const provider of order) {
        const pinned = pins.get(`${provider}${SEP}${plan.researchType}`) ?? pins.get(provider);
        if (pinned !== undefined) models[provider] = pinned;
      }
    }
    return { ...plan, order, reasons, models };
  };

  const router: Router = {
    plan: (input) => steer(inner.plan(input), input.preferred),
    record: (outcome) => inner.record(outcome),
    recordQuality: (input) => inner.recordQuality(input),
    recordFeedback: (input) => inner.recordFeedback(input),
    applyChanges: (changes) => inner.applyChanges(changes),
    learningStatus: (options) => inner.learningStatus(options),
  };

  return {
    router,
    applyRouteChanges(changes) {
      const id = nextId++;
      layers.push({ id, changes: [...changes] });
      rebuild();
      return () => {
        layers = layers.filter((layer) => layer.id !== id);
        rebuild();
      };
    },
    active() {
      return layers.flatMap((layer) => layer.changes);
    },
  };
}
