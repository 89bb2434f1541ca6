import { Agent, request } from 'undici';

/**
 * Delivers alert notifications as JSON POSTs. `notify` returns at once: each delivery runs in
 * the background with a per-attempt timeout and exponential backoff between attempts, so neither
 * the evaluation loop nor a request ever waits on a slow receiver. Retried: network errors,
 * timeouts, 408, 429 and 5xx; other 4xx fail at once (the receiver rejected the payload).
 */

export interface WebhookTarget {
  url: string;
  /** Per attempt, ms. */
  timeoutMs: number;
  /** Attempts after the first. */
  maxRetries: number;
}

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed' | 'dropped';

export interface WebhookLogger {
  warn(object: object, message: string): void;
}

export interface WebhookNotifierOptions {
  webhooks: WebhookTarget[];
  logger: WebhookLogger;
  /** First backoff; doubles each retry (±25 % jitter), capped at `maxRetryDelayMs`. Default 500 ms. */
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** Deliveries in flight beyond this are dropped (and counted); default 100. */
  maxInFlight?: number;
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

export interface WebhookStats {
  delivered: number;
  retried: number;
  failed: number;
  dropped: number;
  inFlight: number;
}

export interface WebhookNotifier {
  /** Queues `payload` for every webhook; never throws, never waits. */
  notify(payload: object): void;
  /** Resolves when every queued delivery has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
  stats(): WebhookStats;
  /** Abandons deliveries in flight and closes connections. */
  close(): Promise<void>;
}

class StatusError extends Error {
  constructor(readonly statusCode: number) {
    super(`webhook answered ${statusCode}`);
  }
}

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const retryBaseMs = options.retryBaseMs ?? 500;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const maxInFlight = options.maxInFlight ?? 100;
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  const closing = new AbortController();
  let closed: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();
  const stats: Omit<WebhookStats, 'inFlight'> = { delivered: 0, retried: 0, failed: 0, dropped: 0 };
  const count = (outcome: DeliveryOutcome) => {
    stats[outcome] += 1;
    options.onOutcome?.(outcome);
  };

  const attempt = async (target: WebhookTarget, body: string): Promise<void> => {
    const signal = AbortSignal.any([AbortSignal.timeout(target.timeoutMs), closing.signal]);
    const response = await request(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'fortitude-alerts' },
      body,
      signal,
      dispatcher: agent,
    });
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) return;
    throw new StatusError(response.statusCode);
  };

  const deliver = async (target: WebhookTarget, body: string): Promise<void> => {
    for (let retry = 0; ; retry += 1) {
      try {
        await attempt(target, body);
        count('delivered');
        return;
      } catch (error) {
        if (closing.signal.aborted) return;
        // Network errors and timeouts are worth another try; so are the statuses that say "later".
        const retryable = !(error instanceof StatusError) || isRetryableStatus(error.statusCode);
        if (!retryable || retry >= target.maxRetries) {
          count('failed');
          options.logger.warn({ url: target.url, attempts: retry + 1, error: error instanceof Error ? error.message : String(error) }, 'alert webhook delivery failed');
          return;
        }
        count('retried');
        const backoff = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** retry) * (0.75 + Math.random() * 0.5);
        try {
          await delay(backoff, closing.signal);
        } catch {
          return;
        }
      }
    }
  };

  return {
    notify(payload) {
      if (closing.signal.aborted || options.webhooks.length === 0) return;
      const body = JSON.stringify(payload);
      for (const target of options.webhooks) {
        if (inFlight.size >= maxInFlight) {
          count('dropped');
          continue;
        }
        const delivery = deliver(target, body).finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stats: () => ({ ...stats, inFlight: inFlight.size }),
    close() {
      closed ??= (async () => {
        closing.abort(new Error('webhook notifier closed'));
        await Promise.allSettled([...inFlight]);
        await agent.close();
      })();
      return closed;
    },
  };
}
