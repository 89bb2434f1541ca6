import { createSketch, sketchMerge, sketchObserve, sketchToState } from './log-sketch.js';
import type { LogSketch, LogSketchState } from './log-sketch.js';

/**
 * A time-bucketed rolling window of counters and latency sketches: a ring of `bucketMs` slots
 * covering `windowMs`. Recording touches only the current slot (a slot is recycled the first
 * time it is written after its time has passed). Reading sums the slots that overlap the
 * requested span, so spans are accurate to one bucket (10 s by default).
 *
 * Clock reads cost ~50–120 ns here (more than the rest of a recording), so with the system clock
 * the current slot is cached and an unref'd timer at the slot's end invalidates it: one clock
 * read per slot instead of per event. A late timer attributes events of the next slot's first
 * milliseconds to the previous slot; an early one just causes a re-read. With an injected clock
 * (tests) the clock is read on every event.
 *
 * Keys are `name` or `name:label` (see `window-keys.ts`); the window does not interpret them.
 */

/** A counter in one slot; hot paths keep a reference for as long as the slot is current. */
export interface Cell {
  value: number;
}

export interface WindowSlot {
  /** Start of the slot, ms since the epoch, a multiple of `bucketMs`. */
  start: number;
  counters: Map<string, Cell>;
  sketches: Map<string, LogSketch>;
}

/** JSON/IPC-safe form of the window: what workers send to the primary, what snapshots read. */
export interface RollingWindowState {
  bucketMs: number;
  windowMs: number;
  /** When recording began (the earliest, after a merge); rates divide by the covered span. */
  startedAt: number;
  slots: { start: number; counters: [string, number][]; sketches: [string, LogSketchState][] }[];
}

export interface RollingWindowOptions {
  /** Slot width; default 10 s. */
  bucketMs?: number;
  /** Span kept; default 1 h (the seed's `performance_window: 3600`). */
  windowMs?: number;
  /** Injected clock (tests); read on every event. Default: the system clock, read once per slot. */
  now?: () => number;
}

export interface RollingWindow {
  /** The slot for the current time; record into it with `slotAdd` / `slotObserve`. */
  current(): WindowSlot;
  /** The slots overlapping the last `windowMs`, oldest first, serialised. */
  state(options?: { now?: number }): RollingWindowState;
  /** Stops the slot timer. */
  close(): void;
}

export function slotCounter(slot: WindowSlot, key: string): Cell {
  let cell = slot.counters.get(key);
  if (!cell) slot.counters.set(key, (cell = { value: 0 }));
  return cell;
}

export function slotSketch(slot: WindowSlot, key: string): LogSketch {
  let sketch = slot.sketches.get(key);
  if (!sketch) slot.sketches.set(key, (sketch = createSketch()));
  return sketch;
}

export function slotAdd(slot: WindowSlot, key: string, amount = 1): void {
  slotCounter(slot, key).value += amount;
}

export function slotObserve(slot: WindowSlot, key: string, value: number): void {
  sketchObserve(slotSketch(slot, key), value);
}

function serialise(slot: WindowSlot): RollingWindowState['slots'][number] {
  return {
    start: slot.start,
    // Cells a hot path pre-created but never used are left out.
    counters: [...slot.counters].flatMap(([key, cell]): [string, number][] => (cell.value === 0 ? [] : [[key, cell.value]])),
    sketches: [...slot.sketches].flatMap(([key, sketch]): [string, LogSketchState][] => (sketch.count === 0 ? [] : [[key, sketchToState(sketch)]])),
  };
}

export function createRollingWindow(options: RollingWindowOptions = {}): RollingWindow {
  const bucketMs = options.bucketMs ?? 10_000;
  const windowMs = options.windowMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const timerDriven = options.now === undefined;
  const size = Math.ceil(windowMs / bucketMs) + 1;
  const ring: (WindowSlot | undefined)[] = new Array<WindowSlot | undefined>(size);
  const startedAt = now();
  let current: WindowSlot = { start: -Infinity, counters: new Map(), sketches: new Map() };
  let valid = false;
  let timer: NodeJS.Timeout | undefined;
  const invalidate = () => {
    valid = false;
    timer = undefined;
  };

  return {
    current() {
      if (valid) return current;
      const time = now();
      if (!(time >= current.start && time < current.start + bucketMs)) {
        const index = Math.floor(time / bucketMs);
        const start = index * bucketMs;
        const position = ((index % size) + size) % size;
        let slot = ring[position];
        if (!slot || slot.start !== start) ring[position] = slot = { start, counters: new Map(), sketches: new Map() };
        current = slot;
      }
      if (timerDriven && !timer) {
        valid = true;
        timer = setTimeout(invalidate, current.start + bucketMs - time);
        timer.unref();
      }
      return current;
    },
    close() {
      clearTimeout(timer);
      invalidate();
    },
    state(stateOptions = {}) {
      const time = stateOptions.now ?? now();
      const slots = ring
        .filter((slot): slot is WindowSlot => slot !== undefined && slot.start + bucketMs > time - windowMs && slot.start <= time)
        .sort((a, b) => a.start - b.start)
        .map(serialise);
      return { bucketMs, windowMs, startedAt, slots };
    },
  };
}

/** Sums windows (e.g. one per cluster worker) slot by slot. All must share `bucketMs`. */
export function mergeWindowStates(states: RollingWindowState[]): RollingWindowState {
  const first = states[0];
  if (!first) return { bucketMs: 10_000, windowMs: 3_600_000, startedAt: Date.now(), slots: [] };
  const byStart = new Map<number, WindowSlot>();
  for (const state of states) {
    if (state.bucketMs !== first.bucketMs) throw new Error(`cannot merge windows with ${state.bucketMs} ms and ${first.bucketMs} ms buckets`);
    for (const slot of state.slots) {
      let merged = byStart.get(slot.start);
      if (!merged) byStart.set(slot.start, (merged = { start: slot.start, counters: new Map(), sketches: new Map() }));
      for (const [key, value] of slot.counters) slotAdd(merged, key, value);
      for (const [key, sketch] of slot.sketches) {
        let into = merged.sketches.get(key);
        if (!into) merged.sketches.set(key, (into = createSketch()));
        sketchMerge(into, sketch);
      }
    }
  }
  return {
    bucketMs: first.bucketMs,
    windowMs: Math.max(...states.map((state) => state.windowMs)),
    startedAt: Math.min(...states.map((state) => state.startedAt)),
    slots: [...byStart.values()].sort((a, b) => a.start - b.start).map(serialise),
  };
}
