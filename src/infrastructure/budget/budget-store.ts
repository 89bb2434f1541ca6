/**
 * The budget ledger port. Amounts are integers in nano-USD (1e-9 USD) so every store adds and
 * compares exactly (a double holds integers exactly up to 2^53 nano-USD ≈ 9 million USD).
 *
 * A period (`day:2025-05-01`, `month:2025-05`) has `spent` (reconciled, actual cost) and
 * `reserved` (worst-case cost of calls in flight). `reserve` admits a call only if, in every
 * period, `spent + reserved + amount ≤ limit`, and books the amount as reserved in the same
 * atomic step; so however many callers race, committed spend never passes a limit as long as
 * actual costs stay within their reservations.
 */

export interface BudgetPeriod {
  /** Unique name of the period, e.g. `day:2025-05-01`. */
  key: string;
  /** Limit in nano-USD; negative means unlimited (tracked, never refused). */
  limit: number;
  /** Epoch ms after which the period's counters may be dropped by the store. */
  expiresAt: number;
}

export interface PeriodTotals {
  key: string;
  /** Nano-USD reconciled (actually spent). */
  spent: number;
  /** Nano-USD held by reservations still in flight. */
  reserved: number;
}

export interface ReserveRequest {
  /** Unique reservation id (a UUID). */
  id: string;
  /** Worst-case cost in nano-USD, a non-negative integer. */
  amount: number;
  periods: readonly BudgetPeriod[];
  /** When false the amount is booked but never refused (`hard_limits: false`). */
  enforce: boolean;
  /**
   * Epoch ms after which an unreconciled reservation is released by the next `reserve`
   * (a crashed caller cannot hold budget forever).
   */
  expiresAt: number;
  /** The caller's clock, epoch ms. */
  now: number;
  /**
   * Book a granted amount as spent at once instead of reserved: the limit check and the spend in
   * one atomic step, leaving no reservation to settle (a count such as the daily request quota,
   * where a take cannot be undone). Default false.
   */
  spend?: boolean;
}

export interface ReserveResult {
  granted: boolean;
  /** Totals of each requested period after this call (in request order). */
  totals: PeriodTotals[];
  /** Key of the first period whose limit refused the reservation. */
  refusedBy?: string;
}

export interface SettleResult {
  /** False when the reservation was unknown (already settled, or expired and swept). */
  found: boolean;
  totals: PeriodTotals[];
}

export interface BudgetStore {
  /** Atomically checks every period's limit and books `amount` as reserved in all or none. */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /**
   * Replaces the reservation by the actual cost (nano-USD): releases the reserved amount and adds
   * `actual` to `spent` of the reservation's periods. An unknown id still adds `actual` (the
   * money was spent) but releases nothing.
   */
  reconcile(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult>;
  /**
   * Books `actual` as spent out of the reservation and keeps the rest of it held: the reservation
   * shrinks by `actual` (not below 0; spend beyond it is added all the same). A process holding a
   * block of headroom (the budget guard's lease) settles its spend this way without giving the
   * block back. An unknown id still adds `actual` to `spent`, like `reconcile`.
   */
  settlePart(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult>;
  /** Releases a reservation whose call never cost anything (refused, failed before sending). */
  release(id: string, periods: readonly BudgetPeriod[], now: number): Promise<SettleResult>;
  /**
   * Releases, at once, every reservation whose id starts with `idPrefix`: those of a process that
   * died without settling them (the cluster primary reports a worker's exit), which would
   * otherwise hold budget until they expire. `periods` are those the reservations may have booked
   * (the caller passes today's and those of the reservation TTL ago). Returns how many it released.
   */
  releaseAbandoned(idPrefix: string, periods: readonly BudgetPeriod[], now: number): Promise<number>;
  /** Current totals, without changing anything. */
  totals(periods: readonly BudgetPeriod[], now: number): Promise<PeriodTotals[]>;
  close(): Promise<void>;
}

export const NANOS_PER_USD = 1_000_000_000;

/** USD to nano-USD, rounding up (reservations must never under-book). */
export function usdToNanosCeil(usd: number): number {
  if (!Number.isFinite(usd) || usd <= 0) return 0;
  return Math.ceil(usd * NANOS_PER_USD - 1e-6);
}

/** USD to nano-USD, to the nearest unit (actual costs). */
export function usdToNanos(usd: number): number {
  if (!Number.isFinite(usd) || usd <= 0) return 0;
  return Math.round(usd * NANOS_PER_USD);
}

export function nanosToUsd(nanos: number): number {
  return nanos / NANOS_PER_USD;
}
