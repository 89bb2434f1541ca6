import type { BudgetPeriod, BudgetStore, PeriodTotals, ReserveRequest, ReserveResult, SettleResult } from '../../infrastructure/budget/budget-store.js';

interface Counters {
  spent: number;
  reserved: number;
  expiresAt: number;
}

interface Reservation {
  amount: number;
  keys: string[];
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 1_000;

/** The ledger in process memory. Every method runs synchronously inside, hence atomically. */
export class MemoryBudgetStore implements BudgetStore {
  readonly #periods = new Map<string, Counters>();
  readonly #reservations = new Map<string, Reservation>();
  #nextSweepAt = 0;

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    this.#sweep(request.now);
    const counters = request.periods.map((period) => this.#counters(period, request.now));
    let refusedBy: string | undefined;
    if (request.enforce) {
      request.periods.forEach((period, index) => {
        const current = counters[index]!;
        if (refusedBy === undefined && period.limit >= 0 && current.spent + current.reserved + request.amount > period.limit) {
          refusedBy = period.key;
        }
      });
    }
    const granted = refusedBy === undefined;
    if (granted && request.spend) {
      for (const current of counters) current.spent += request.amount;
    } else if (granted) {
      for (const current of counters) current.reserved += request.amount;
      this.#reservations.set(request.id, { amount: request.amount, keys: request.periods.map((period) => period.key), expiresAt: request.expiresAt });
    }
    const totals = this.#totalsOf(request.periods);
    return Promise.resolve(refusedBy === undefined ? { granted, totals } : { granted, totals, refusedBy });
  }

  reconcile(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    const found = this.#drop(id);
    if (actual > 0) for (const period of periods) this.#counters(period, now).spent += actual;
    return Promise.resolve({ found, totals: this.#totalsOf(periods) });
  }

  settlePart(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    const reservation = this.#reservations.get(id);
    if (reservation) {
      const taken = Math.min(reservation.amount, actual);
      reservation.amount -= taken;
      for (const key of reservation.keys) {
        const counters = this.#periods.get(key);
        if (counters) counters.reserved -= taken;
      }
    }
    if (actual > 0) for (const period of periods) this.#counters(period, now).spent += actual;
    return Promise.resolve({ found: reservation !== undefined, totals: this.#totalsOf(periods) });
  }

  release(id: string, periods: readonly BudgetPeriod[], now: number): Promise<SettleResult> {
    return this.reconcile(id, periods, 0, now);
  }

  releaseAbandoned(idPrefix: string): Promise<number> {
    let released = 0;
    for (const id of [...this.#reservations.keys()]) if (id.startsWith(idPrefix) && this.#drop(id)) released++;
    return Promise.resolve(released);
  }

  totals(periods: readonly BudgetPeriod[], now: number): Promise<PeriodTotals[]> {
    this.#sweep(now);
    return Promise.resolve(this.#totalsOf(periods));
  }

  close(): Promise<void> {
    this.#periods.clear();
    this.#reservations.clear();
    return Promise.resolve();
  }

  #counters(period: BudgetPeriod, now: number): Counters {
    let counters = this.#periods.get(period.key);
    if (!counters || counters.expiresAt <= now) {
      counters = { spent: 0, reserved: 0, expiresAt: period.expiresAt };
      this.#periods.set(period.key, counters);
    }
    counters.expiresAt = Math.max(counters.expiresAt, period.expiresAt);
    return counters;
  }

  #totalsOf(periods: readonly BudgetPeriod[]): PeriodTotals[] {
    return periods.map((period) => {
      const counters = this.#periods.get(period.key);
      return { key: period.key, spent: counters?.spent ?? 0, reserved: counters?.reserved ?? 0 };
    });
  }

  #drop(id: string): boolean {
    const reservation = this.#reservations.get(id);
    if (!reservation) return false;
    this.#reservations.delete(id);
    for (const key of reservation.keys) {
      const counters = this.#periods.get(key);
      if (counters) counters.reserved -= reservation.amount;
    }
    return true;
  }

  /** Drops expired reservations and periods; at most once a second, so reserve stays O(1). */
  #sweep(now: number): void {
    if (now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [id, reservation] of this.#reservations) if (reservation.expiresAt <= now) this.#drop(id);
    for (const [key, counters] of this.#periods) if (counters.expiresAt <= now) this.#periods.delete(key);
  }
}
