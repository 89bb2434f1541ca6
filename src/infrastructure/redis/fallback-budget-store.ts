import { randomUUID } from 'node:crypto';
import type { BudgetPeriod, BudgetStore, PeriodTotals, ReserveRequest, ReserveResult, SettleResult } from '../budget/budget-store.js';
import type { RedisAvailability } from './redis-connection.js';

/**
 * The shared budget ledger (Redis) with an in-process ledger for outages.
 *
 * - Redis available: every call goes to Redis, as without this wrapper; the totals it answers
 *   are remembered per period.
 * - Redis unavailable (or a call fails): the local ledger answers at once. It enforces what was
 *   left of each limit when Redis last answered (`limit − (spent + reserved)` as last seen), times
 *   `headroomShare` (1 / the processes on this machine), so the machine's processes together
 *   never spend more than the headroom they last saw; R machines together can overshoot by at
 *   most (R − 1) × that headroom (plus what was committed after a process's last look), never by
 *   the whole budget.
 * - Reconciling: a reservation is settled in the ledger that granted it. Spend settled locally
 *   is queued and added to Redis (as a reconcile of an unknown id, which only adds `spent`) when
 *   Redis returns, so the fleet's totals include what was spent during the outage; then the
 *   local ledger starts empty again. A reservation Redis granted but could not be told about is
 *   settled under its own id when Redis answers again (released, and its spend added), or by
 *   Redis's expiry sweep if Redis lost it; spend settled out of a kept Redis reservation
 *   (`settlePart`, a lease's block) is replayed like the rest. A reserve Redis
 *   did not answer in time (it may still run it) is granted locally and released in Redis once
 *   Redis answers again, so it does not hold budget there until it expires.
 */
export class FallbackBudgetStore implements BudgetStore {
  readonly #shared: BudgetStore;
  readonly #createLocal: () => BudgetStore;
  #local: BudgetStore;
  readonly #redis: RedisAvailability;
  readonly #localIds = new Set<string>();
  /** Committed nano-USD per period key, as Redis last reported it. */
  readonly #lastSeen = new Map<string, number>();
  /** Spend to add to Redis; with `id`, the Redis reservation that spend settles (released with it). */
  readonly #pending: Array<{ id?: string; periods: readonly BudgetPeriod[]; amount: number }> = [];
  readonly #unsubscribe: () => void;
  #flushing: Promise<void> | undefined;
  /** Whether the local ledger has booked anything since it was made. */
  #localUsed = false;

  readonly #headroomShare: number;

  /**
   * `createLocal` makes an empty in-process ledger; a fresh one starts after each replayed outage.
   * `headroomShare` (0–1, default 1): the part of the last-seen headroom this process may spend
   * locally.
   */
  constructor(shared: BudgetStore, createLocal: () => BudgetStore, redis: RedisAvailability, options: { headroomShare?: number } = {}) {
    this.#headroomShare = Math.min(1, Math.max(0, options.headroomShare ?? 1));
    this.#shared = shared;
    this.#createLocal = createLocal;
    this.#local = createLocal();
    this.#redis = redis;
    this.#unsubscribe = redis.onChange((available) => {
      if (available) void this.flush();
    });
  }

  /** Nano-USD settled locally and not yet added to Redis. */
  get pendingSpend(): number {
    return this.#pending.reduce((sum, entry) => sum + entry.amount, 0);
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    if (this.#redis.available || (await this.#redis.admit())) {
      try {
        return this.#seen(await this.#shared.reserve(request));
      } catch (error) {
        this.#redis.failed(error);
        // Unanswered, not refused: Redis may still book it, and nobody would settle it there. It
        // is released under its id (a reconcile of 0) when Redis answers again.
        if (!request.spend) this.#pending.push({ id: request.id, periods: request.periods, amount: 0 });
      }
    }
    if (!request.spend) this.#localIds.add(request.id);
    this.#localUsed = true;
    const periods = request.periods.map((period) => (period.limit < 0 ? period : { ...period, limit: Math.max(0, Math.floor((period.limit - (this.#lastSeen.get(period.key) ?? 0)) * this.#headroomShare)) }));
    const result = await this.#local.reserve({ ...request, periods });
    if (!result.granted) this.#localIds.delete(request.id);
    // Spent at once: replayed into Redis with the rest of the outage's spend.
    else if (request.spend) this.#queue(request.periods, request.amount);
    return { ...result, totals: this.#withLastSeen(result.totals) };
  }

  async reconcile(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    if (!this.#localIds.has(id)) {
      try {
        if (this.#redis.available) return this.#seen(await this.#shared.reconcile(id, periods, actual, now));
      } catch (error) {
        this.#redis.failed(error);
      }
      // Redis holds the reservation but cannot be told: it is settled under its id (released,
      // the spend added) when Redis answers again.
      this.#pending.push({ id, periods, amount: actual });
      return { found: true, totals: this.#withLastSeen(await this.#local.totals(periods, now)) };
    }
    this.#localIds.delete(id);
    const result = await this.#local.reconcile(id, periods, actual, now);
    this.#queue(periods, actual);
    if (this.#redis.available) void this.flush();
    return { ...result, totals: this.#withLastSeen(result.totals) };
  }

  async settlePart(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    if (!this.#localIds.has(id)) {
      try {
        if (this.#redis.available) return this.#seen(await this.#shared.settlePart(id, periods, actual, now));
      } catch (error) {
        this.#redis.failed(error);
      }
      // The reservation stays whole in Redis (until it is settled or expires): only the spend is replayed.
      this.#queue(periods, actual);
      return { found: true, totals: this.#withLastSeen(await this.#local.totals(periods, now)) };
    }
    const result = await this.#local.settlePart(id, periods, actual, now);
    this.#queue(periods, actual);
    if (this.#redis.available) void this.flush();
    return { ...result, totals: this.#withLastSeen(result.totals) };
  }

  release(id: string, periods: readonly BudgetPeriod[], now: number): Promise<SettleResult> {
    return this.reconcile(id, periods, 0, now);
  }

  /**
   * Only Redis can hold another process's reservations (its local ledger died with it). While
   * Redis is down they stay until Redis's expiry sweep releases them.
   */
  async releaseAbandoned(idPrefix: string, periods: readonly BudgetPeriod[], now: number): Promise<number> {
    if (!this.#redis.available) return 0;
    try {
      return await this.#shared.releaseAbandoned(idPrefix, periods, now);
    } catch (error) {
      this.#redis.failed(error);
      return 0;
    }
  }

  async totals(periods: readonly BudgetPeriod[], now: number): Promise<PeriodTotals[]> {
    if (this.#redis.available) {
      try {
        const totals = await this.#shared.totals(periods, now);
        for (const period of totals) this.#lastSeen.set(period.key, period.spent + period.reserved);
        return this.#plusPending(totals);
      } catch (error) {
        this.#redis.failed(error);
      }
    }
    return this.#withLastSeen(await this.#local.totals(periods, now));
  }

  /** Adds locally settled spend to Redis; what fails stays queued for the next recovery. */
  flush(): Promise<void> {
    // `finally` runs after the assignment even when nothing is pending (no await inside).
    this.#flushing ??= this.#replay().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #replay(): Promise<void> {
    while (this.#pending.length > 0 && this.#redis.available) {
      const entry = this.#pending[0]!;
      try {
        await this.#shared.reconcile(entry.id ?? `replay-${randomUUID()}`, entry.periods, entry.amount, Date.now());
      } catch (error) {
        this.#redis.failed(error);
        return;
      }
      this.#pending.shift();
    }
    // Everything the outage's ledger settled is in Redis now: start the next outage empty, so
    // its spend is not counted twice on top of what Redis reports.
    if (this.#pending.length === 0 && this.#localIds.size === 0 && this.#redis.available && this.#localUsed) {
      const previous = this.#local;
      this.#local = this.#createLocal();
      this.#localUsed = false;
      await previous.close();
    }
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.flush().catch(() => undefined);
    await this.#local.close();
    await this.#shared.close();
  }

  #queue(periods: readonly BudgetPeriod[], amount: number): void {
    if (amount > 0) this.#pending.push({ periods, amount });
  }

  #seen<T extends { totals: PeriodTotals[] }>(result: T): T {
    for (const period of result.totals) this.#lastSeen.set(period.key, period.spent + period.reserved);
    // Redis answers again after a failure that did not open the circuit (no recovery event): replay now.
    if (this.#pending.length > 0) void this.flush();
    return { ...result, totals: this.#plusPending(result.totals) };
  }

  /** Redis's totals plus local spend not replayed yet (a reconcile under way, a failed flush). */
  #plusPending(totals: PeriodTotals[]): PeriodTotals[] {
    if (this.#pending.length === 0) return totals;
    return totals.map((period) => {
      let pending = 0;
      for (const entry of this.#pending) if (entry.periods.some((candidate) => candidate.key === period.key)) pending += entry.amount;
      return { ...period, spent: period.spent + pending };
    });
  }

  /** Local totals on top of what Redis last reported: this process's view of the fleet's spend. */
  #withLastSeen(totals: PeriodTotals[]): PeriodTotals[] {
    return totals.map((period) => ({ ...period, spent: period.spent + (this.#lastSeen.get(period.key) ?? 0) }));
  }
}
