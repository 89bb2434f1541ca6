import type { CacheLogger } from '../cache/cache-store.js';

export interface HealthGateOptions {
  /** Name in log lines, e.g. `redis`. */
  name: string;
  /** While unhealthy, how often one request may probe the backend, ms. */
  probeIntervalMs: number;
  /** Resolves true when the backend answers (e.g. PING within the timeout). */
  probe: () => Promise<boolean>;
  logger?: CacheLogger | undefined;
  /** Told once per transition: false when the backend goes down, true when it is back. */
  onChange?: ((healthy: boolean, error?: unknown) => void) | undefined;
  now?: () => number;
}

/**
 * A small circuit breaker for a remote cache level. Healthy: every operation runs. Unhealthy:
 * operations are skipped (a miss / a skipped write) except one probe per interval; the probe
 * or a `ready` event from the client closes the circuit again. One log line when the level
 * goes down, one when it comes back.
 */
export class HealthGate {
  readonly #options: HealthGateOptions;
  readonly #now: () => number;
  #healthy = false;
  #everHealthy = false;
  #down = false;
  #lastProbeAt = -Infinity;
  #probing: Promise<boolean> | undefined;
  #outages = 0;
  #closed = false;

  constructor(options: HealthGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Requests during start-up skip until the client's `ready` (or the first probe interval).
    this.#lastProbeAt = this.#now();
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Times the level went from working (or starting) to failing. */
  get outages(): number {
    return this.#outages;
  }

  markHealthy(): void {
    if (this.#closed || this.#healthy) return;
    this.#healthy = true;
    this.#everHealthy = true;
    if (this.#down) {
      this.#down = false;
      this.#options.onChange?.(true);
      const log = this.#options.logger;
      (log?.info ?? log?.warn)?.call(log, { cacheLevel: this.#options.name }, `${this.#options.name} cache level recovered`);
    }
  }

  markUnhealthy(error: unknown): void {
    if (this.#closed) return;
    this.#healthy = false;
    if (this.#down) return;
    this.#down = true;
    this.#outages++;
    this.#lastProbeAt = this.#now();
    this.#options.onChange?.(false, error);
    const message = error instanceof Error ? error.message : String(error);
    this.#options.logger?.warn(
      { cacheLevel: this.#options.name, error: message, wasHealthy: this.#everHealthy },
      `${this.#options.name} cache level unavailable; serving from the other levels until it recovers`,
    );
  }

  /**
   * Whether an operation may run now. While unhealthy, at most one caller per probe interval
   * runs the probe and proceeds if it succeeds; everyone else is told to skip.
   */
  async admit(): Promise<boolean> {
    if (this.#healthy) return true;
    if (this.#closed) return false;
    if (this.#probing) return false;
    if (this.#now() - this.#lastProbeAt < this.#options.probeIntervalMs) return false;
    this.#lastProbeAt = this.#now();
    this.#probing = this.#options.probe().catch(() => false);
    try {
      const ok = await this.#probing;
      if (ok) this.markHealthy();
      else this.markUnhealthy(new Error('probe failed'));
      return ok;
    } finally {
      this.#probing = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    this.#healthy = false;
  }
}
