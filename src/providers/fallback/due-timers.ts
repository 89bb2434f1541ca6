import type { Clock } from '../clock.js';

/**
 * The system clock with timers that do not keep the process alive: a list's timer may stay armed
 * after its last entry left, and must not hold a finished CLI command open until it fires.
 */
export const unrefClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Whoever is told when an entry is due (a method, so no closure per entry). */
export interface DueOwner {
  onDue(kind: number): void;
}

/**
 * An entry waiting in a `DueTimers` list. The fallback race owns two per call (hedge, deadline)
 * and unlinks them when the call settles, so nothing long-lived points at a finished request.
 */
export class DueEntry {
  dueAt = 0;
  prev: DueEntry | undefined = undefined;
  next: DueEntry | undefined = undefined;
  list: DueList | undefined = undefined;

  constructor(
    readonly owner: DueOwner,
    readonly kind: number,
  ) {}
}

/** Entries due one fixed delay after they were added: FIFO, so one timer serves the whole list. */
class DueList {
  #head: DueEntry | undefined;
  #tail: DueEntry | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #cancel: (() => void) | undefined;

  constructor(
    readonly delayMs: number,
    private readonly clock: Clock,
  ) {}

  add(entry: DueEntry): void {
    entry.dueAt = this.clock.now() + this.delayMs;
    entry.list = this;
    entry.prev = this.#tail;
    entry.next = undefined;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    if (this.#armedFor === Number.POSITIVE_INFINITY) this.#arm(entry.dueAt);
  }

  remove(entry: DueEntry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = entry.list = undefined;
    // The armed timer is left alone (re-arming per call is what this avoids): when it fires it
    // re-arms for whatever is first then, or stays idle when the list is empty.
  }

  #arm(at: number): void {
    this.#armedFor = at;
    this.#cancel = this.clock.setTimer(at - this.clock.now(), this.#fire);
  }

  readonly #fire = (): void => {
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#cancel = undefined;
    const now = this.clock.now();
    for (let entry = this.#head; entry && entry.dueAt <= now; entry = this.#head) {
      this.remove(entry);
      entry.owner.onDue(entry.kind);
    }
    if (this.#head && this.#armedFor === Number.POSITIVE_INFINITY) this.#arm(this.#head.dueAt);
  };

  close(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }
}

/**
 * Shared timers for per-call deadlines and hedges: one timer per distinct delay instead of one
 * `setTimeout` (and its closure) per call. Delays are rounded up to `resolutionMs`, so a few
 * lists serve every call; adding and removing an entry is O(1).
 */
export class DueTimers {
  readonly #lists = new Map<number, DueList>();

  constructor(
    private readonly clock: Clock,
    private readonly resolutionMs = 10,
  ) {}

  /** Fires `entry` after `delayMs` (rounded up), unless `cancel(entry)` comes first. */
  schedule(entry: DueEntry, delayMs: number): void {
    this.cancel(entry);
    const delay = Math.max(this.resolutionMs, Math.ceil(delayMs / this.resolutionMs) * this.resolutionMs);
    let list = this.#lists.get(delay);
    if (!list) this.#lists.set(delay, (list = new DueList(delay, this.clock)));
    list.add(entry);
  }

  cancel(entry: DueEntry): void {
    entry.list?.remove(entry);
  }

  close(): void {
    for (const list of this.#lists.values()) list.close();
    this.#lists.clear();
  }
}
