import { randomUUID } from 'node:crypto';
import { FortitudeError } from '../../core/errors.js';
import type { BudgetPeriod, BudgetStore, PeriodTotals } from '../../infrastructure/budget/budget-store.js';
import { NANOS_PER_USD, nanosToUsd, usdToNanos, usdToNanosCeil } from '../../infrastructure/budget/budget-store.js';
import type { ActiveActions, BudgetAction, BudgetThreshold } from './budget-policy.js';
import { activeActions, blendedPrice, calendarPeriods, expensiveProviders, worstCaseCostUsd } from './budget-policy.js';
import type { ModelPrice } from './prices.js';
import { createBudgetLease, type BudgetLease, type BudgetLeaseOptions, type LeaseDraw, type LeasePeriods } from './budget-lease.js';

export interface BudgetGuardOptions {
  /** Spend limit of a UTC calendar day, USD. */
  dailyBudgetUsd: number;
  /** Spend limit of a UTC calendar month, USD. */
  monthlyBudgetUsd: number;
  /** Actions by the fraction of a limit reached, e.g. `{ fraction: 0.9, action: 'throttle' }` (see `parseBudgetActions`). */
  thresholds: readonly BudgetThreshold[];
  /** Extra alert-only fractions per period (the seed's `daily_80_percent: true` is `day: [0.8]`). */
  alertFractions?: { day?: readonly number[]; month?: readonly number[] };
  /** true: a reservation that would pass a limit is refused, and the stop action refuses calls; false: alerts only. */
  hardLimits: boolean;
  /** Each provider's default-model price; providers above the median are paused at the pause action. */
  providerPrices?: Readonly<Record<string, ModelPrice | undefined>>;
  throttle?: {
    /** Share of non-urgent requests admitted while throttling (default 0.5). */
    admitFraction?: number;
    /** Delay added to each admitted non-urgent request while throttling (default 0 ms). */
    delayMs?: number;
  };
  /** An unreconciled reservation is released after this long (default 10 min, longer than any call). */
  reservationTtlMs?: number;
  /**
   * Who holds this guard's reservations, e.g. `host:pid`: every reservation id starts with
   * `<owner>/`, so once that process is known dead another can `releaseAbandoned(owner)` at once
   * instead of waiting for the TTL. Default: none (plain UUIDs).
   */
  reservationOwner?: string;
  /** Multiplier on the input-token estimate in the worst case (default 1.1: estimates run low). */
  inputTokenMargin?: number;
  /**
   * An action that would refuse a call (throttle, pause, emergency stop) is first re-checked
   * against the store when the last view of the totals is older than this (default 250 ms):
   * other processes sharing the ledger settle their calls without telling this one.
   */
  refuseOnViewAtMostMs?: number;
  /**
   * Lease budget headroom locally (`budget-lease.ts`): while every period's utilisation is below
   * half of its lowest action or alert threshold, hold a block of `blockFraction` of the smallest
   * limit (default 0.01) as one reservation and draw calls from it without a store round trip;
   * spend reaches the store every `flushIntervalMs` (250 ms), an idle block is released after
   * `idleMs` (1 s). Nearer a threshold, every call reserves in the store. Default: off.
   */
  lease?: BudgetLeaseOptions & { enabled: boolean; blockFraction?: number };
}

export interface BudgetAlert {
  period: 'day' | 'month';
  periodKey: string;
  /** Fraction of the limit reached, e.g. 0.8. */
  threshold: number;
  action: BudgetAction;
  utilisation: number;
  spentUsd: number;
  reservedUsd: number;
  limitUsd: number;
}

export interface BudgetGuardDeps {
  store: BudgetStore;
  /** Epoch ms; default `Date.now`. */
  now?: () => number;
  /** Uniform [0, 1); decides which non-urgent requests pass while throttling. Default `Math.random`. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per period and threshold when spend crosses it. */
  onAlert?: (alert: BudgetAlert) => void;
}

export interface ReserveInput {
  provider: string;
  model: string;
  /** The model's price; undefined means unpriced (reserved at 0). */
  price: ModelPrice | undefined;
  /** Estimated prompt tokens: a rough (generous) estimate when `exactInputTokens` is given. */
  inputTokens: number;
  /**
   * The exact count, asked only when the reservation is near a threshold (any period at or above
   * half its lowest threshold, where leasing stops too): far below them the rough estimate is
   * reserved and the reconcile books the real cost.
   */
  exactInputTokens?: (() => number) | undefined;
  /** The call's output cap (`max_tokens`). */
  maxOutputTokens: number;
  /** Urgent requests (urgency `immediate`) are never throttled. */
  urgent?: boolean;
}

export interface BudgetReservation {
  readonly id: string;
  readonly reservedUsd: number;
  /** Books the actual cost and frees the rest; idempotent. `overrunUsd` > 0 when actual exceeded the reservation. */
  reconcile(actualUsd: number): Promise<{ overrunUsd: number }>;
  /** Frees the whole reservation (the call cost nothing); idempotent. */
  release(): Promise<void>;
}

export interface PeriodState {
  key: string;
  /** Spent, as the ledger last reported it plus this process's spend from its leased block not settled there yet. */
  spentUsd: number;
  /** Held by calls in flight, and by the leased blocks of every process (less what was spent from this process's own). */
  reservedUsd: number;
  limitUsd: number;
  /** (spent + reserved) / limit. */
  utilisation: number;
}

export interface BudgetState {
  day: PeriodState;
  month: PeriodState;
  actions: ActiveActions;
  /** Providers refused while the pause action is active. */
  pausedProviders: string[];
  hardLimits: boolean;
}

export interface BudgetGuard {
  /**
   * Admits a call or throws: `budget_exceeded` (emergency stop, paused provider, or the
   * reservation would pass a limit) or `rate_limited` (throttled; retryable). On success the
   * worst-case cost is held until `reconcile` / `release`.
   */
  reserve(input: ReserveInput): Promise<BudgetReservation>;
  /** The last known state (from the latest store reply); synchronous for the router. */
  state(): BudgetState;
  /** Providers the router must skip now (empty unless the pause action is active). */
  pausedProviders(): ReadonlySet<string>;
  /** Re-reads the totals from the store (other replicas' spend) and fires due alerts. */
  refresh(): Promise<BudgetState>;
  /**
   * Releases every reservation still held by `owner` (a `reservationOwner` of a process that
   * died: its calls will never be reconciled). Returns how many were released.
   */
  releaseAbandoned(owner: string): Promise<number>;
  /** Settles the spend of the leased block (if any) in the store and releases it. */
  close(): Promise<void>;
}

const NO_PAUSE: ReadonlySet<string> = new Set();

/** Enforces `cost_management` budgets through a `BudgetStore` ledger: reserve before, reconcile after. */
export function createBudgetGuard(options: BudgetGuardOptions, deps: BudgetGuardDeps): BudgetGuard {
  const hardLimits = options.hardLimits;
  const thresholds = [...options.thresholds].sort((a, b) => a.fraction - b.fraction);
  const alertOnly = {
    day: (options.alertFractions?.day ?? []).map((fraction): BudgetThreshold => ({ fraction, action: 'alert' })),
    month: (options.alertFractions?.month ?? []).map((fraction): BudgetThreshold => ({ fraction, action: 'alert' })),
  };
  const limits = { day: usdToNanos(options.dailyBudgetUsd), month: usdToNanos(options.monthlyBudgetUsd) };
  const expensive = expensiveProviders(
    Object.fromEntries(Object.entries(options.providerPrices ?? {}).map(([provider, price]) => [provider, blendedPrice(price)])),
  );
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const admitFraction = options.throttle?.admitFraction ?? 0.5;
  const throttleDelayMs = options.throttle?.delayMs ?? 0;
  const reservationTtlMs = options.reservationTtlMs ?? 600_000;
  const inputMargin = options.inputTokenMargin ?? 1.1;
  const refuseOnViewAtMostMs = options.refuseOnViewAtMostMs ?? 250;
  let viewedAt = Number.NEGATIVE_INFINITY;
  // Reservation ids: `<owner>/` (when given), one random id per guard, then a sequence number —
  // unique across processes and restarts like a UUID per reservation, without generating one per call.
  const idPrefix = `${options.reservationOwner === undefined ? '' : `${options.reservationOwner}/`}${randomUUID()}.`;
  let reservationSeq = 0;
  const nextId = (): string => `${idPrefix}${(reservationSeq++).toString(36)}`;

  const totals = new Map<string, PeriodTotals>();
  const alerted = new Set<string>();

  // The periods of the current UTC day, computed once per day rather than per call (every
  // reserve, reconcile and state() asks): reused while `at` stays inside the cached day.
  let cachedPeriods: { day: BudgetPeriod; month: BudgetPeriod } | undefined;
  let cachedFrom = Number.POSITIVE_INFINITY;
  let cachedUntil = Number.NEGATIVE_INFINITY;
  const periodsAt = (at: number): { day: BudgetPeriod; month: BudgetPeriod } => {
    if (cachedPeriods !== undefined && at >= cachedFrom && at < cachedUntil) return cachedPeriods;
    const calendar = calendarPeriods(at);
    const periods = {
      // Counters outlive their period a while so reports can read yesterday's spend.
      day: { key: calendar.day.key, limit: limits.day, expiresAt: calendar.day.end + 7 * 86_400_000 },
      month: { key: calendar.month.key, limit: limits.month, expiresAt: calendar.month.end + 31 * 86_400_000 },
    };
    cachedPeriods = periods;
    cachedFrom = calendar.day.start;
    cachedUntil = calendar.day.end;
    return periods;
  };

  const periodState = (period: BudgetPeriod): PeriodState => {
    const current = totals.get(period.key);
    // Spend settled out of the leased block but not yet in the store: spent already, no longer reserved.
    const local = lease === undefined ? 0 : lease.localSpend(period.key);
    const spent = (current?.spent ?? 0) + local;
    const reserved = Math.max(0, (current?.reserved ?? 0) - local);
    return {
      key: period.key,
      spentUsd: nanosToUsd(spent),
      reservedUsd: nanosToUsd(reserved),
      limitUsd: nanosToUsd(period.limit),
      utilisation: period.limit > 0 ? (spent + reserved) / period.limit : 0,
    };
  };

  /**
   * The actions in force now, computed again only when the totals or the period change: every
   * call asks (the router for paused providers, then `reserve`), and the totals change only with
   * a store reply.
   */
  let totalsVersion = 0;
  let actionsMemo: { version: number; periods: { day: BudgetPeriod; month: BudgetPeriod }; actions: ActiveActions } | undefined;
  const utilisationOf = (period: BudgetPeriod): number => {
    const current = totals.get(period.key);
    return period.limit > 0 ? ((current?.spent ?? 0) + (current?.reserved ?? 0)) / period.limit : 0;
  };
  const actionsNow = (): ActiveActions => {
    const periods = periodsAt(now());
    if (actionsMemo !== undefined && actionsMemo.version === totalsVersion && actionsMemo.periods === periods) return actionsMemo.actions;
    const actions = activeActions(thresholds, Math.max(utilisationOf(periods.day), utilisationOf(periods.month)));
    actionsMemo = { version: totalsVersion, periods, actions };
    return actions;
  };

  const state = (): BudgetState => {
    const periods = periodsAt(now());
    const day = periodState(periods.day);
    const month = periodState(periods.month);
    const actions = activeActions(thresholds, Math.max(day.utilisation, month.utilisation));
    return { day, month, actions, pausedProviders: actions.pauseExpensive ? [...expensive] : [], hardLimits };
  };

  const remember = (updated: readonly PeriodTotals[]): void => {
    viewedAt = now();
    totalsVersion += 1;
    for (const entry of updated) totals.set(entry.key, entry);
    if (totals.size > 8) for (const key of [...totals.keys()].slice(0, totals.size - 8)) totals.delete(key);
    fireAlerts();
    lease?.review();
  };

  // Per period, every fraction that may alert, and the lowest of them: below it (nearly always)
  // a store reply fires nothing and builds nothing.
  const dueByPeriod = { day: [...thresholds, ...alertOnly.day], month: [...thresholds, ...alertOnly.month] };
  const lowestDue = {
    day: Math.min(...dueByPeriod.day.map((threshold) => threshold.fraction)),
    month: Math.min(...dueByPeriod.month.map((threshold) => threshold.fraction)),
  };
  const fireAlerts = (): void => {
    if (!deps.onAlert) return;
    const periods = periodsAt(now());
    for (const period of ['day', 'month'] as const) {
      if (utilisationOf(periods[period]) + 1e-12 < lowestDue[period]) continue;
      const current = periodState(periods[period]);
      const due: readonly BudgetThreshold[] = dueByPeriod[period];
      for (const threshold of due) {
        if (current.utilisation + 1e-12 < threshold.fraction) continue;
        const id = `${current.key}|${threshold.fraction}|${threshold.action}`;
        if (alerted.has(id)) continue;
        alerted.add(id);
        if (alerted.size > 256) alerted.delete(alerted.values().next().value as string);
        deps.onAlert({
          period,
          periodKey: current.key,
          threshold: threshold.fraction,
          action: threshold.action,
          utilisation: current.utilisation,
          spentUsd: current.spentUsd,
          reservedUsd: current.reservedUsd,
          limitUsd: current.limitUsd,
        });
      }
    }
  };

  // Leasing stops at half of each period's lowest threshold (action or alert), so every process
  // is back to per-call reservations well before any threshold can be reached.
  const leaseBelow = { day: Math.min(1, lowestDue.day) / 2, month: Math.min(1, lowestDue.month) / 2 };
  const blockFraction = options.lease?.blockFraction ?? 0.01;
  /** Any limited period at or above half its lowest threshold: no leasing there, and prompt estimates count exactly. */
  const nearThreshold = (periods: LeasePeriods): boolean =>
    (periods.day.limit >= 0 && utilisationOf(periods.day) >= leaseBelow.day) || (periods.month.limit >= 0 && utilisationOf(periods.month) >= leaseBelow.month);
  const blockSize = (periods: LeasePeriods): number => {
    if (nearThreshold(periods)) return 0;
    let size = Number.POSITIVE_INFINITY;
    for (const period of [periods.day, periods.month]) if (period.limit >= 0) size = Math.min(size, Math.floor(period.limit * blockFraction));
    // No limit at all: the block only counts (a dollar's worth).
    return size === Number.POSITIVE_INFINITY ? NANOS_PER_USD : size;
  };
  const lease: BudgetLease | undefined = options.lease?.enabled
    ? createBudgetLease(
        { store: deps.store, now, newId: nextId, enforce: hardLimits, reservationTtlMs, blockSize, remember: (updated) => remember(updated) },
        options.lease,
      )
    : undefined;

  const refuse = (message: string, details: Record<string, unknown>): FortitudeError =>
    new FortitudeError('budget_exceeded', message, { retryable: false, details });

  /** Whether the actions in force refuse `input` (a function of the guard, not a closure per call). */
  const refusing = (actions: ActiveActions, input: ReserveInput): boolean =>
    (hardLimits && actions.emergencyStop) || (actions.pauseExpensive && expensive.has(input.provider)) || (actions.throttle && !input.urgent);

  const refresh = async (): Promise<BudgetState> => {
    const at = now();
    const periods = periodsAt(at);
    remember(await deps.store.totals([periods.day, periods.month], at));
    return state();
  };

  return {
    async reserve(input) {
      // Below every refusing threshold (the common case) no view is built and nothing more is checked here.
      if (refusing(actionsNow(), input)) {
        let current = state();
        // Only a refusal pays for a fresh read; an admitted call is checked by the store's reserve anyway.
        // A store that cannot answer leaves the refusal as it was (the older view still holds).
        if (refusing(current.actions, input) && now() - viewedAt > refuseOnViewAtMostMs) current = await refresh().catch(() => current);
        if (hardLimits && current.actions.emergencyStop) {
          throw refuse('budget exhausted: emergency stop', { action: 'emergency_stop', dayUtilisation: current.day.utilisation, monthUtilisation: current.month.utilisation });
        }
        if (current.actions.pauseExpensive && expensive.has(input.provider)) {
          throw refuse(`provider ${input.provider} is paused: budget above the pause threshold`, { action: 'pause_expensive_providers', provider: input.provider });
        }
        if (current.actions.throttle && !input.urgent) {
          if (random() >= admitFraction) {
            throw new FortitudeError('rate_limited', 'budget nearly spent: non-urgent request throttled', {
              retryable: true,
              details: { action: 'throttle', admitFraction },
            });
          }
          if (throttleDelayMs > 0) await sleep(throttleDelayMs);
        }
      }

      const at = now();
      const periods = periodsAt(at);
      const inputTokens = input.exactInputTokens !== undefined && nearThreshold(periods) ? input.exactInputTokens() : input.inputTokens;
      const worstUsd = worstCaseCostUsd(input.price, inputTokens, input.maxOutputTokens, inputMargin);
      const amount = usdToNanosCeil(worstUsd);
      const drawn = lease?.draw(amount, periods, at);
      if (drawn !== undefined) return localReservation(drawn, amount);
      const list = [periods.day, periods.month];
      const id = nextId();
      const result = await deps.store.reserve({ id, amount, periods: list, enforce: hardLimits, expiresAt: at + reservationTtlMs, now: at });
      remember(result.totals);
      if (!result.granted) {
        const period = result.refusedBy?.startsWith('month') ? periods.month : periods.day;
        const left = periodState(period);
        const monthly = period === periods.month;
        // The worst case is what is reserved: the whole output cap at the dearest candidate's price.
        const fix = `the worst case is ${inputTokens} input tokens and max_tokens ${input.maxOutputTokens} at the dearest provider the call may fall back to; send a smaller max_tokens, or raise cost_management.global.${monthly ? 'monthly' : 'daily'}_budget_usd`;
        throw refuse(`budget limit reached: ${period.key} has ${(left.limitUsd - left.spentUsd - left.reservedUsd).toFixed(6)} USD left, the call may cost ${worstUsd.toFixed(6)} USD (${fix})`, {
          action: 'reservation_refused',
          period: period.key,
          worstCaseUsd: worstUsd,
          remainingUsd: left.limitUsd - left.spentUsd - left.reservedUsd,
        });
      }

      let settled = false;
      return {
        id,
        reservedUsd: nanosToUsd(amount),
        async reconcile(actualUsd) {
          if (settled) return { overrunUsd: 0 };
          settled = true;
          const actual = usdToNanos(actualUsd);
          const settledResult = await deps.store.reconcile(id, list, actual, now());
          remember(settledResult.totals);
          return { overrunUsd: Math.max(0, nanosToUsd(actual - amount)) };
        },
        async release() {
          if (settled) return;
          settled = true;
          remember((await deps.store.release(id, list, now())).totals);
        },
      };
    },

    state,

    pausedProviders() {
      return actionsNow().pauseExpensive ? expensive : NO_PAUSE;
    },

    refresh,

    async releaseAbandoned(owner) {
      const at = now();
      // Today's periods, and those of the oldest reservation still unexpired (across midnight).
      const periods = new Map<string, BudgetPeriod>();
      for (const period of [...Object.values(periodsAt(at - reservationTtlMs)), ...Object.values(periodsAt(at))]) periods.set(period.key, period);
      const released = await deps.store.releaseAbandoned(`${owner}/`, [...periods.values()], at);
      if (released > 0) await refresh().catch(() => undefined);
      return released;
    },

    async close() {
      await lease?.close();
    },
  };
}

/** `reconcile` without an overrun (nearly always: the reservation is the worst case), shared. */
const NO_OVERRUN: Promise<{ overrunUsd: number }> = Promise.resolve(Object.freeze({ overrunUsd: 0 }));

function localReservation(drawn: LeaseDraw, amount: number): BudgetReservation {
  return new LocalReservation(drawn, amount);
}

/** A call admitted from the leased block: settled locally, at once (one object, no closures). */
class LocalReservation implements BudgetReservation {
  #settled = false;

  constructor(
    private readonly drawn: LeaseDraw,
    private readonly amount: number,
  ) {}

  get id(): string {
    return this.drawn.id;
  }

  get reservedUsd(): number {
    return nanosToUsd(this.amount);
  }

  reconcile(actualUsd: number): Promise<{ overrunUsd: number }> {
    if (this.#settled) return NO_OVERRUN;
    this.#settled = true;
    const actual = usdToNanos(actualUsd);
    this.drawn.settle(actual);
    const overrunUsd = Math.max(0, nanosToUsd(actual - this.amount));
    return overrunUsd === 0 ? NO_OVERRUN : Promise.resolve({ overrunUsd });
  }

  release(): Promise<void> {
    if (!this.#settled) this.drawn.settle(0);
    this.#settled = true;
    return Promise.resolve();
  }
}

