import type { CacheRuleOptions } from './cache-rules.js';
import { proposeCacheSettings } from './cache-rules.js';
import { createDecisionLog } from './decision-log.js';
import type { OptimizerLearningSink } from './decision-log.js';
import type { Tolerance } from './judge-change.js';
import { judgeChange } from './judge-change.js';
import type { DecisionReason, Optimization, OptimizationDecision, OptimizationType, OptimizerActions, OptimizerSettings, Undo } from './optimization.js';
import type { MetricReading, OptimizerWindow } from './optimizer-window.js';
import { readMetric } from './optimizer-window.js';
import type { ProviderBaseline, ProviderRuleOptions } from './provider-rules.js';
import { detectDegradations, proposeProviderSelection, updateBaselines } from './provider-rules.js';
import type { ResourceRuleOptions } from './resource-rules.js';
import { proposeDatabaseQueries, proposeResourceAllocation } from './resource-rules.js';

/**
 * The seed's `PerformanceOptimizer`: every interval it reads the recent window, proposes changes
 * with a confidence, applies the safe ones above the threshold, judges each applied change on
 * the next window and rolls it back if its target metric did not move the right way. Every
 * decision goes to `history()` and to `learning_data`.
 *
 * At most one change per area (cache, providers, resources) is under watch at a time, so each
 * verdict is about one change; an area whose change was just rolled back proposes nothing in
 * that run (its window was measured under the change that is gone).
 */

export interface OptimizerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface PerformanceOptimizerOptions {
  /** Between runs; default 300 s (the seed's 5 minutes). */
  intervalMs?: number;
  /** The span each run reads; default `intervalMs`. */
  windowSpanMs?: number;
  /** Apply only safe changes with confidence strictly above this (default 0.9). */
  applyThreshold?: number;
  /** false: propose and record only (default true). */
  autoApply?: boolean;
  tolerance?: Tolerance;
  /** Keep a change whose target did not move (default false). */
  keepUnchanged?: boolean;
  /** Fewest samples behind a target reading to judge a change (default 20). */
  minSamples?: number;
  /** Windows to wait for enough samples before forcing a verdict (default 3). */
  maxWatchWindows?: number;
  /** Least time between applying a change and judging it (default half a window span). */
  minWatchMs?: number;
  /** A rolled-back change is not applied again for this long (default 3 intervals). */
  cooldownMs?: number;
  /** Provider shifts are undone after this so routing can re-learn the provider (default 30 min). */
  releaseProviderChangesAfterMs?: number;
  providers?: ProviderRuleOptions;
  cache?: CacheRuleOptions;
  resources?: ResourceRuleOptions;
  historyLimit?: number;
  /** See `DecisionLogOptions.repeatMs`. */
  repeatRecordMs?: number;
}

export interface PerformanceOptimizerDeps {
  /** The recent window, e.g. `({ spanMs, now }) => windowFromSnapshot(metrics.snapshot({ spanMs, now }))`. */
  readWindow(request: { spanMs: number; now: number }): OptimizerWindow | Promise<OptimizerWindow>;
  actions: OptimizerActions;
  /** `storage.learning`. */
  learning?: OptimizerLearningSink;
  logger: OptimizerLogger;
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
}

export interface ActiveChange {
  optimization: Optimization;
  appliedAt: number;
  state: 'watching' | 'kept';
  before: MetricReading;
  windowsWatched: number;
}

export interface RunReport {
  at: number;
  proposals: number;
  /** This run's decisions, in order. */
  decisions: OptimizationDecision[];
  error?: string;
}

export interface PerformanceOptimizer {
  /** One analysis: judge watched changes, propose, apply. Never rejects (errors are logged and reported). */
  runOnce(now?: number): Promise<RunReport>;
  /** Queues an externally proposed change (an operator, another engine) for the next run's gates. */
  submit(optimization: Optimization): void;
  /** Runs every `intervalMs` on an unref'd timer. */
  start(): void;
  /** Stops the timer and waits for a run in progress. Applied changes stay in force. */
  close(): Promise<void>;
  /** Decisions, newest first. */
  history(options?: { limit?: number }): OptimizationDecision[];
  activeChanges(): ActiveChange[];
}

interface ActiveEntry extends ActiveChange {
  undo: Undo;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createPerformanceOptimizer(options: PerformanceOptimizerOptions, deps: PerformanceOptimizerDeps): PerformanceOptimizer {
  const intervalMs = options.intervalMs ?? 300_000;
  const spanMs = options.windowSpanMs ?? intervalMs;
  const threshold = options.applyThreshold ?? 0.9;
  const minSamples = options.minSamples ?? 20;
  const maxWatchWindows = options.maxWatchWindows ?? 3;
  const minWatchMs = options.minWatchMs ?? spanMs / 2;
  const cooldownMs = options.cooldownMs ?? 3 * intervalMs;
  const releaseAfterMs = options.releaseProviderChangesAfterMs ?? 1_800_000;
  const clock = deps.now ?? Date.now;
  const log = createDecisionLog(
    { capacity: options.historyLimit, repeatMs: options.repeatRecordMs },
    { sink: deps.learning, onError: (error) => deps.logger.warn({ err: error }, 'optimizer: could not store a decision') },
  );
  const active: ActiveEntry[] = [];
  const baselines = new Map<string, ProviderBaseline>();
  const rolledBackAt = new Map<string, number>();
  const submitted: Optimization[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let running = 0;
  let timer: NodeJS.Timeout | undefined;

  const actuator = (optimization: Optimization): (() => Undo | Promise<Undo>) | undefined => {
    const actions = deps.actions;
    switch (optimization.type) {
      case 'provider_selection':
        return actions.applyRouteChanges && (() => actions.applyRouteChanges!(optimization.change.routeChanges));
      case 'cache_settings':
        return actions.setCacheSettings && (() => actions.setCacheSettings!(optimization.change));
      case 'resource_allocation':
        return actions.setConcurrency && (() => actions.setConcurrency!(optimization.change));
      case 'database_queries':
        return undefined;
    }
  };

  const execute = async (at: number): Promise<RunReport> => {
    const decisions: OptimizationDecision[] = [];
    const record = async (decision: OptimizationDecision) => {
      decisions.push(decision);
      await log.record(decision);
    };
    let window: OptimizerWindow;
    let settings: OptimizerSettings;
    try {
      window = await deps.readWindow({ spanMs, now: at });
      settings = deps.actions.current?.() ?? {};
    } catch (error) {
      deps.logger.error({ err: error }, 'optimizer: could not read the metrics window');
      return { at, proposals: 0, decisions, error: message(error) };
    }
    const busy = new Set<OptimizationType>();

    const undoEntry = async (entry: ActiveEntry, outcome: 'rolled_back' | 'released', reason: DecisionReason, after?: MetricReading) => {
      active.splice(active.indexOf(entry), 1);
      const base = { at, optimization: entry.optimization, before: entry.before, ...(after === undefined ? {} : { after }) };
      try {
        await entry.undo();
      } catch (error) {
        deps.logger.error({ err: error, key: entry.optimization.key }, 'optimizer: undo failed; the change may still be in force');
        await record({ ...base, outcome: 'failed', reason: 'undo_failed', error: message(error) });
        return;
      }
      deps.logger.info({ key: entry.optimization.key, reason, before: entry.before.value, after: after?.value ?? null }, `optimizer: ${outcome === 'released' ? 'released' : 'rolled back'} ${entry.optimization.description}`);
      await record({ ...base, outcome, reason });
    };

    // 1. Judge the changes applied in earlier runs on this window.
    for (const entry of [...active]) {
      if (entry.state !== 'watching') continue;
      if (at - entry.appliedAt < minWatchMs) {
        busy.add(entry.optimization.type);
        continue;
      }
      const after = readMetric(window, entry.optimization.target);
      const verdict = judgeChange(entry.optimization.target, entry.before, after, {
        tolerance: options.tolerance,
        minSamples,
        windowsWatched: entry.windowsWatched,
        maxWatchWindows,
        keepUnchanged: options.keepUnchanged,
      });
      if (verdict.decision === 'wait') {
        entry.windowsWatched += 1;
        busy.add(entry.optimization.type);
      } else if (verdict.decision === 'keep') {
        entry.state = 'kept';
        deps.logger.info({ key: entry.optimization.key, before: entry.before.value, after: after.value }, `optimizer: kept ${entry.optimization.description}`);
        await record({ at, outcome: 'kept', reason: verdict.reason, optimization: entry.optimization, before: entry.before, after });
      } else {
        rolledBackAt.set(entry.optimization.key, at);
        busy.add(entry.optimization.type);
        await undoEntry(entry, 'rolled_back', verdict.reason, after);
      }
    }

    // 2. Provider shifts expire: the avoided provider gets no traffic, so only letting routing try it again shows whether it recovered.
    for (const entry of [...active]) {
      if (entry.state === 'kept' && entry.optimization.type === 'provider_selection' && at - entry.appliedAt >= releaseAfterMs) await undoEntry(entry, 'released', 'expired');
    }

    // 3. Propose.
    const activeKeys = new Set(active.map((entry) => entry.optimization.key));
    const avoided = new Set(active.flatMap((entry) => (entry.optimization.type === 'provider_selection' ? [entry.optimization.change.avoid] : [])));
    let proposals: Optimization[];
    try {
      proposals = [
        ...submitted.splice(0),
        ...proposeProviderSelection(window, baselines, { active: activeKeys, avoided }, options.providers),
        ...proposeCacheSettings(window, settings, activeKeys, options.cache),
        ...proposeResourceAllocation(window, settings, activeKeys, options.resources),
        ...proposeDatabaseQueries(window, options.resources),
      ];
      const degraded = new Set(detectDegradations(window, baselines, options.providers).map((entry) => entry.provider));
      updateBaselines(baselines, window, degraded, options.providers);
    } catch (error) {
      deps.logger.error({ err: error }, 'optimizer: analysis failed');
      return { at, proposals: 0, decisions, error: message(error) };
    }

    // 4. Gate and apply.
    for (const optimization of proposals) {
      const before = readMetric(window, optimization.target);
      await record({ at, outcome: 'proposed', optimization, before });
      const skip = async (reason: DecisionReason) => record({ at, outcome: 'skipped', reason, optimization, before });
      const cooledAt = rolledBackAt.get(optimization.key);
      const apply = actuator(optimization);
      if (optimization.type === 'database_queries') await skip('suggest_only');
      else if (!optimization.safe) await skip('not_safe');
      else if (!(optimization.confidence > threshold)) await skip('low_confidence');
      else if (options.autoApply === false) await skip('auto_apply_off');
      else if (cooledAt !== undefined && at - cooledAt < cooldownMs) await skip('cooling_down');
      else if (busy.has(optimization.type) || activeKeys.has(optimization.key)) await skip('area_busy');
      else if (!apply) await skip('no_actuator');
      else {
        try {
          const undo = await apply();
          active.push({ optimization, appliedAt: at, state: 'watching', before, windowsWatched: 0, undo });
          activeKeys.add(optimization.key);
          busy.add(optimization.type);
          deps.logger.info({ key: optimization.key, confidence: optimization.confidence }, `optimizer: applied ${optimization.description}`);
          await record({ at, outcome: 'applied', optimization, before });
        } catch (error) {
          deps.logger.error({ err: error, key: optimization.key }, 'optimizer: could not apply a change');
          await record({ at, outcome: 'failed', reason: 'apply_failed', optimization, before, error: message(error) });
        }
      }
    }
    return { at, proposals: proposals.length, decisions };
  };

  const runOnce = (now?: number): Promise<RunReport> => {
    running += 1;
    const run = chain
      .then(() => execute(now ?? clock()))
      .catch((error: unknown): RunReport => {
        deps.logger.error({ err: error }, 'optimizer: run failed');
        return { at: now ?? clock(), proposals: 0, decisions: [], error: message(error) };
      })
      .finally(() => {
        running -= 1;
      });
    chain = run;
    return run;
  };

  return {
    runOnce,
    submit(optimization) {
      submitted.push(optimization);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        // A slow run (a stuck metrics read) must not pile runs up behind it.
        if (running === 0) void runOnce();
      }, intervalMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await chain;
    },
    history(historyOptions = {}) {
      return log.recent(historyOptions.limit);
    },
    activeChanges() {
      return active.map(({ undo: _undo, ...change }) => ({ ...change }));
    },
  };
}
