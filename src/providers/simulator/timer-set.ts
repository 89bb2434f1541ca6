/**
 * Timers the simulator owns, so `close()` can cancel every pending latency wait and stream
 * tick instead of leaving the process alive or writing to closed sockets.
 */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `task` after `ms`; at 0 ms it runs synchronously (the benchmark path). */
  after(ms: number, task: () => void): void {
    if (ms <= 0) {
      task();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, ms);
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
