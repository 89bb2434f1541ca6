import type { BudgetPeriod, BudgetStore, PeriodTotals } from '../../infrastructure/budget/budget-store.js';

/**
 * A block of budget headroom held by this process, so that calls far below every limit need no
 * store round trip: the block is one ordinary reservation in the shared ledger (its id under the
 * guard's `<owner>/` prefix, so a dead process's block is released like any of its reservations),
 * and a call draws its worst case from it locally and settles its actual cost locally. The spend
 * reaches the ledger every `flushIntervalMs` (`settlePart`: the block shrinks by it), and the
 * block is settled and released once it runs out, goes idle, stops being allowed (the guard's
 * view of the totals nears a threshold), is half its reservation TTL old or its day ends.
 *
 * In the ledger, committed spend stays within the limits exactly as with per-call reservations:
 * the block is reserved with the limit check, and local calls in flight plus local spend never
 * pass the block's amount (a call that does not fit goes to the ledger itself).
 */
export interface BudgetLeaseOptions {
  /** How often spend settled locally is settled in the store (default 250 ms). */
  flushIntervalMs?: number;
  /** A block no call drew from for this long, with no call in flight, is settled and released (default 1 s). */
  idleMs?: number;
}

/** The day and month periods of one UTC day, as the guard caches them (compared by identity). */
export interface LeasePeriods {
  readonly day: BudgetPeriod;
  readonly month: BudgetPeriod;
}

export interface BudgetLeaseDeps {
  store: BudgetStore;
  now: () => number;
  /** A new reservation id (under the guard's owner prefix). */
  newId: () => string;
  /** Whether a block reserve is refused past a limit (`hard_limits`). */
  enforce: boolean;
  /** A block reservation expires after this long (the guard's reservation TTL); blocks are replaced after half of it. */
  reservationTtlMs: number;
  /**
   * The size of block to hold for `periods` given the guard's current view, nano-USD; 0 when no
   * block may be held now (a threshold is near, or a limit is 0).
   */
  blockSize: (periods: LeasePeriods) => number;
  /** Every store reply's totals, for the guard's view. */
  remember: (totals: readonly PeriodTotals[]) => void;
}

/** One call's worst case drawn from the block; settled once. */
export interface LeaseDraw {
  readonly id: string;
  /** Books the call's actual cost (nano-USD) locally and gives its worst case back to the block. */
  settle(actual: number): void;
}

export interface BudgetLease {
  /**
   * Draws `amount` (nano-USD) from the block held for `periods`, synchronously; undefined when
   * it does not fit or no block is held (then the call reserves in the store, and a block is
   * reserved in the background if the guard allows one).
   */
  draw(amount: number, periods: LeasePeriods, at: number): LeaseDraw | undefined;
  /** Re-checks, after the guard's view changed, whether the block may still be drawn from. */
  review(): void;
  /** Nano-USD this process spent in `periodKey` that the store's totals do not include yet. */
  localSpend(periodKey: string): number;
  /** Settles every block's spend and releases the blocks. */
  close(): Promise<void>;
}

interface Block {
  readonly id: string;
  readonly periods: LeasePeriods;
  readonly list: readonly BudgetPeriod[];
  /** Nano-USD the block was reserved with. */
  readonly size: number;
  /** Nano-USD the block still holds in the store. */
  amount: number;
  /** Worst cases of the local calls in flight. */
  drawn: number;
  /** Spent locally, not sent to the store yet. */
  unflushed: number;
  /** Spent locally, being sent to the store. */
  flushing: number;
  lastDrawAt: number;
  readonly replaceAt: number;
  /** No more draws: settled and released once its calls in flight are done. */
  retired: boolean;
  closing: boolean;
  closed: boolean;
  drawSeq: number;
}

interface DrawSettler {
  settle(block: Block, amount: number, actual: number): void;
}

function ignore(): void {}

/** One call's draw: a plain object (no closures); its id is written only when asked for. */
class BlockDraw implements LeaseDraw {
  #settled = false;

  constructor(
    private readonly settler: DrawSettler,
    private readonly block: Block,
    private readonly amount: number,
    private readonly sequence: number,
  ) {}

  get id(): string {
    return `${this.block.id}:${this.sequence.toString(36)}`;
  }

  settle(actual: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.settler.settle(this.block, this.amount, actual);
  }
}

export function createBudgetLease(deps: BudgetLeaseDeps, options: BudgetLeaseOptions = {}): BudgetLease {
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const idleMs = options.idleMs ?? 1_000;
  const { store, now } = deps;
  const blocks = new Set<Block>();
  let current: Block | undefined;
  let acquiring = false;
  /** After a refused or failed block reserve, no new attempt before this (epoch ms). */
  let quietUntil = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const retire = (block: Block): void => {
    block.retired = true;
    if (current === block) current = undefined;
    if (block.drawn === 0) void closeBlock(block);
  };

  /** Settles all the block's spend and releases what it still holds (one reconcile). */
  const closeBlock = async (block: Block): Promise<void> => {
    if (block.closing || block.closed) return;
    block.closing = true;
    block.retired = true;
    if (current === block) current = undefined;
    const spent = block.unflushed;
    block.unflushed = 0;
    block.flushing += spent;
    try {
      const result = await store.reconcile(block.id, block.list, spent, now());
      block.flushing -= spent;
      block.closed = true;
      blocks.delete(block);
      deps.remember(result.totals);
    } catch {
      // Tried again at the next tick; the block stays retired.
      block.flushing -= spent;
      block.unflushed += spent;
      block.closing = false;
    }
  };

  const flushBlock = async (block: Block): Promise<void> => {
    const spent = block.unflushed;
    block.unflushed = 0;
    block.flushing += spent;
    try {
      const result = await store.settlePart(block.id, block.list, spent, now());
      block.flushing -= spent;
      block.amount = Math.max(0, block.amount - spent);
      // The ledger no longer holds the block (expired, or released as a dead process's): stop drawing.
      if (!result.found && !block.closing) retire(block);
      deps.remember(result.totals);
    } catch {
      block.flushing -= spent;
      block.unflushed += spent;
    }
  };

  const tick = (): void => {
    const at = now();
    for (const block of blocks) {
      if (block.closing) continue;
      if (block === current && block.drawn === 0 && at - block.lastDrawAt >= idleMs) retire(block);
      if (block.retired && block.drawn === 0) void closeBlock(block);
      else if (block.unflushed > 0 && block.flushing === 0) void flushBlock(block);
    }
    if (blocks.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const acquire = async (size: number, periods: LeasePeriods, at: number): Promise<void> => {
    acquiring = true;
    const id = deps.newId();
    const list = [periods.day, periods.month];
    try {
      const result = await store.reserve({ id, amount: size, periods: list, enforce: deps.enforce, expiresAt: at + deps.reservationTtlMs, now: at });
      if (!result.granted) {
        quietUntil = now() + flushIntervalMs;
        deps.remember(result.totals);
        return;
      }
      const block: Block = {
        id,
        periods,
        list,
        size,
        amount: size,
        drawn: 0,
        unflushed: 0,
        flushing: 0,
        lastDrawAt: now(),
        replaceAt: at + deps.reservationTtlMs / 2,
        retired: false,
        closing: false,
        closed: false,
        drawSeq: 0,
      };
      blocks.add(block);
      timer ??= setInterval(tick, flushIntervalMs).unref();
      current = block;
      deps.remember(result.totals);
      // Closed meanwhile, or the totals this reply brought (other processes' blocks and spend) are too near a threshold.
      if (closed || deps.blockSize(periods) === 0) retire(block);
    } catch {
      quietUntil = now() + flushIntervalMs;
    } finally {
      acquiring = false;
    }
  };

  /** What a draw's `settle` does to its block (one object per lease, so a draw needs no closure). */
  const settler: DrawSettler = {
    settle(block, amount, actual) {
      block.drawn -= amount;
      if (block.closed) {
        // Only after close(): the block is gone, the spend still counts.
        if (actual > 0) store.reconcile(block.id, block.list, actual, now()).catch(ignore);
        return;
      }
      block.unflushed += actual;
      if (block.retired && block.drawn === 0) void closeBlock(block);
    },
  };
  const localDraw = (block: Block, amount: number): LeaseDraw => {
    block.drawn += amount;
    return new BlockDraw(settler, block, amount, block.drawSeq++);
  };

  return {
    draw(amount, periods, at) {
      const block = current;
      if (block !== undefined) {
        if (block.periods !== periods || at >= block.replaceAt) retire(block);
        else if (block.drawn + block.unflushed + block.flushing + amount <= block.amount) {
          block.lastDrawAt = at;
          return localDraw(block, amount);
        } else if (amount <= block.size / 2) retire(block); // Spent: replaced by a new block below.
        else return undefined; // A call too big for any block: the ledger takes it.
      }
      if (!closed && !acquiring && at >= quietUntil) {
        const size = deps.blockSize(periods);
        if (size >= amount && size > 0) void acquire(size, periods, at);
      }
      return undefined;
    },

    review() {
      if (current !== undefined && deps.blockSize(current.periods) === 0) retire(current);
    },

    localSpend(periodKey) {
      let spent = 0;
      for (const block of blocks) if (block.periods.day.key === periodKey || block.periods.month.key === periodKey) spent += block.unflushed + block.flushing;
      return spent;
    },

    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await Promise.all([...blocks].map((block) => closeBlock(block)));
    },
  };
}
