import type { Statement } from 'better-sqlite3';
import type { BudgetPeriod, BudgetStore, PeriodTotals, ReserveRequest, ReserveResult, SettleResult } from '../budget/budget-store.js';
import type { MachineStateDatabase } from './machine-state-db.js';
import { TransactionBatcher } from './transaction-batcher.js';

interface PeriodRow {
  spent: number;
  reserved: number;
  expires_at: number;
}

interface ReservationRow {
  amount: number;
  period_keys: string;
}

const SWEEP_INTERVAL_MS = 1_000;

/**
 * The budget ledger in the machine-state SQLite file: every worker, a restarted server and each
 * CLI call book against the same periods. Each method is one `BEGIN IMMEDIATE` transaction, so
 * a limit check and its booking are atomic across processes, as the Redis store's Lua scripts
 * are across replicas. Same semantics as the memory store (see `budget-store.ts`).
 */
export class SqliteBudgetStore implements BudgetStore {
  readonly #database: MachineStateDatabase;
  readonly #ownsDatabase: boolean;
  readonly #statements: {
    period: Statement<[string], PeriodRow>;
    upsertPeriod: Statement<[string, number, number, number]>;
    addReserved: Statement<[number, string]>;
    addSpent: Statement<[number, string]>;
    settle: Statement<[number, number, string, number]>;
    insertReservation: Statement<[string, number, string, number]>;
    takeReservation: Statement<[string], ReservationRow>;
    reservation: Statement<[string], ReservationRow>;
    shrinkReservation: Statement<[number, string]>;
    expiredReservations: Statement<[number], { id: string }>;
    reservationsWithPrefix: Statement<[number, string], { id: string }>;
    deleteExpiredPeriods: Statement<[number]>;
  };
  readonly #batcher: TransactionBatcher;
  #nextSweepAt = 0;

  /** `batcher`: share one with the other stores on the same file, so their steps share transactions too. */
  constructor(database: MachineStateDatabase, options: { ownsDatabase?: boolean; batcher?: TransactionBatcher } = {}) {
    this.#database = database;
    this.#batcher = options.batcher ?? new TransactionBatcher(database);
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#statements = {
      period: database.prepare('SELECT spent, reserved, expires_at FROM budget_periods WHERE key = ?'),
      upsertPeriod: database.prepare(
        'INSERT INTO budget_periods (key, spent, reserved, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET spent = excluded.spent, reserved = excluded.reserved, expires_at = excluded.expires_at',
      ),
      addReserved: database.prepare('UPDATE budget_periods SET reserved = reserved + ? WHERE key = ?'),
      addSpent: database.prepare('UPDATE budget_periods SET spent = spent + ? WHERE key = ?'),
      // Not `RETURNING spent, reserved`: better-sqlite3 runs an UPDATE … RETURNING on this table at
      // about 40 µs of CPU where the UPDATE and a SELECT of the row take 2–4 µs together (measured).
      settle: database.prepare('UPDATE budget_periods SET reserved = reserved - ?, spent = spent + ? WHERE key = ? AND expires_at > ?'),
      insertReservation: database.prepare('INSERT OR REPLACE INTO budget_reservations (id, amount, period_keys, expires_at) VALUES (?, ?, ?, ?)'),
      takeReservation: database.prepare('DELETE FROM budget_reservations WHERE id = ? RETURNING amount, period_keys'),
      reservation: database.prepare('SELECT amount, period_keys FROM budget_reservations WHERE id = ?'),
      shrinkReservation: database.prepare('UPDATE budget_reservations SET amount = amount - ? WHERE id = ?'),
      expiredReservations: database.prepare('SELECT id FROM budget_reservations WHERE expires_at <= ? LIMIT 100'),
      reservationsWithPrefix: database.prepare('SELECT id FROM budget_reservations WHERE substr(id, 1, ?) = ?'),
      deleteExpiredPeriods: database.prepare('DELETE FROM budget_periods WHERE expires_at <= ?'),
    };
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.#batcher.run(() => this.#reserveNow(request));
  }

  reconcile(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    return this.#batcher.run(() => this.#settleNow(id, periods, actual, now));
  }

  settlePart(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    return this.#batcher.run(() => {
      const reservation = this.#statements.reservation.get(id);
      if (reservation === undefined) return this.#settleNow(id, periods, actual, now);
      const taken = Math.min(reservation.amount, actual);
      this.#statements.shrinkReservation.run(taken, id);
      return { found: true, totals: this.#book(periods, reservation.period_keys.split('\n'), taken, actual, now) };
    });
  }

  release(id: string, periods: readonly BudgetPeriod[], now: number): Promise<SettleResult> {
    return this.reconcile(id, periods, 0, now);
  }

  releaseAbandoned(idPrefix: string): Promise<number> {
    return this.#batcher.run(() => {
      const ids = this.#statements.reservationsWithPrefix.all(idPrefix.length, idPrefix);
      for (const { id } of ids) this.#drop(id);
      return ids.length;
    });
  }

  totals(periods: readonly BudgetPeriod[], now: number): Promise<PeriodTotals[]> {
    return attempt(() =>
      periods.map((period) => {
        const row = this.#statements.period.get(period.key);
        const live = row !== undefined && row.expires_at > now;
        return { key: period.key, spent: live ? row.spent : 0, reserved: live ? row.reserved : 0 };
      }),
    );
  }

  close(): Promise<void> {
    if (this.#ownsDatabase && this.#database.open) this.#database.close();
    return Promise.resolve();
  }

  #reserveNow(request: ReserveRequest): ReserveResult {
    this.#sweep(request.now);
    const rows = request.periods.map((period) => this.#live(period, request.now));
    let refusedIndex = -1;
    if (request.enforce) {
      refusedIndex = request.periods.findIndex(
        (period, index) => period.limit >= 0 && rows[index]!.spent + rows[index]!.reserved + request.amount > period.limit,
      );
    }
    if (refusedIndex === -1 && request.spend) {
      request.periods.forEach((period, index) => {
        rows[index]!.spent += request.amount;
        this.#statements.addSpent.run(request.amount, period.key);
      });
    } else if (refusedIndex === -1) {
      request.periods.forEach((period, index) => {
        rows[index]!.reserved += request.amount;
        this.#statements.addReserved.run(request.amount, period.key);
      });
      this.#statements.insertReservation.run(request.id, request.amount, request.periods.map((period) => period.key).join('\n'), request.expiresAt);
    }
    const totals = request.periods.map((period, index) => ({ key: period.key, spent: rows[index]!.spent, reserved: rows[index]!.reserved }));
    return refusedIndex === -1 ? { granted: true, totals } : { granted: false, totals, refusedBy: request.periods[refusedIndex]!.key };
  }

  /** Releases the reservation and books `actual`, one statement per period (the common case). */
  #settleNow(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): SettleResult {
    const reservation = this.#statements.takeReservation.get(id);
    const booked = reservation === undefined ? [] : reservation.period_keys.split('\n');
    return { found: reservation !== undefined, totals: this.#book(periods, booked, reservation?.amount ?? 0, actual, now) };
  }

  /** Takes `release` off the reserved total of each `booked` period and adds `actual` to the spend of `periods`. */
  #book(periods: readonly BudgetPeriod[], booked: readonly string[], release: number, actual: number, now: number): PeriodTotals[] {
    // A reservation booked in a period the caller no longer names (never, from the guard) is still released.
    for (const key of booked) if (!periods.some((period) => period.key === key)) this.#statements.addReserved.run(-release, key);
    return periods.map((period) => {
      if (this.#statements.settle.run(booked.includes(period.key) ? release : 0, actual, period.key, now).changes > 0) {
        const row = this.#statements.period.get(period.key)!;
        return { key: period.key, spent: row.spent, reserved: row.reserved };
      }
      // No live counters (a new or expired period): they start from this call's spend.
      this.#statements.upsertPeriod.run(period.key, actual, 0, period.expiresAt);
      return { key: period.key, spent: actual, reserved: 0 };
    });
  }

  /** The period's counters, created (or restarted, once expired) and their expiry extended. */
  #live(period: BudgetPeriod, now: number): PeriodRow {
    const row = this.#statements.period.get(period.key);
    if (row === undefined || row.expires_at <= now) {
      this.#statements.upsertPeriod.run(period.key, 0, 0, period.expiresAt);
      return { spent: 0, reserved: 0, expires_at: period.expiresAt };
    }
    if (period.expiresAt > row.expires_at) {
      this.#statements.upsertPeriod.run(period.key, row.spent, row.reserved, period.expiresAt);
      row.expires_at = period.expiresAt;
    }
    return row;
  }

  #drop(id: string): void {
    const reservation = this.#statements.takeReservation.get(id);
    if (reservation !== undefined) for (const key of reservation.period_keys.split('\n')) this.#statements.addReserved.run(-reservation.amount, key);
  }

  /**
   * Releases reservations whose caller never settled them (a crashed worker or CLI) and drops
   * expired periods; at most once a second per process, so a reserve stays a few statements.
   */
  #sweep(now: number): void {
    if (now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const { id } of this.#statements.expiredReservations.all(now)) this.#drop(id);
    this.#statements.deleteExpiredPeriods.run(now);
  }
}

/** Runs a synchronous store step as a promise, so a driver error (SQLITE_BUSY…) rejects instead of throwing. */
export function attempt<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
