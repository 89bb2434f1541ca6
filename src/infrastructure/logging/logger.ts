import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { redactText, redactValue } from './redact.js';

export type LogComponent = 'root' | 'providers' | 'quality' | 'learning' | 'monitoring';

export interface LoggingOptions {
  levels: Record<LogComponent, LevelWithSilent>;
  timestamp_format: 'rfc3339' | 'epoch';
  sampling: { enabled: boolean; rate: number; apply_to_levels: ('debug' | 'trace')[] };
  filters: ({ type: 'regex'; pattern: string } | { type: 'rate_limit'; limit: number; window: number })[];
  async_logging: boolean;
  buffer_size: number;
  flush_interval_ms: number;
}

export interface FortitudeLogger {
  /** Logger for one component, at that component's configured level. */
  for(component: LogComponent): Logger;
  flush(): void;
  close(): void;
}

const LEVEL_NUMBER: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * pino, JSON, RFC 3339 timestamps, per-component levels, debug/trace sampling, the seed's
 * filters (drop lines matching a pattern, rate-limit noisy lines) and secret redaction.
 * Sampling is deterministic (every n-th line) so it is testable and fair across messages.
 */
export function createLogger(options: LoggingOptions, destination?: DestinationStream | NodeJS.WritableStream): FortitudeLogger {
  const dropPatterns = options.filters.flatMap((filter) => (filter.type === 'regex' ? [new RegExp(filter.pattern)] : []));
  const rateLimits = options.filters.flatMap((filter) => (filter.type === 'rate_limit' ? [filter] : []));
  const sampledLevels = new Set<number>(options.sampling.enabled ? options.sampling.apply_to_levels.map((level) => LEVEL_NUMBER[level]!) : []);
  const sampleEvery = options.sampling.rate > 0 ? Math.max(1, Math.round(1 / options.sampling.rate)) : Infinity;
  let sampleCounter = 0;
  const windows = new Map<string, { start: number; count: number }>();

  const shouldDrop = (level: number, message: string): boolean => {
    if (sampledLevels.has(level)) {
      sampleCounter++;
      if (sampleEvery === Infinity || sampleCounter % sampleEvery !== 0) return true;
    }
    if (dropPatterns.some((pattern) => pattern.test(message))) return true;
    for (const limit of rateLimits) {
      const windowMs = limit.window * 1000;
      const now = Date.now();
      const state = windows.get(message);
      if (!state || now - state.start >= windowMs) {
        if (windows.size > 10_000) windows.clear();
        windows.set(message, { start: now, count: 1 });
      } else if (++state.count > limit.limit) return true;
    }
    return false;
  };

  const stream =
    destination ??
    (options.async_logging
      ? // pino caps the buffer below its maxWrite (16 KiB).
        pino.destination({ dest: 1, sync: false, minLength: Math.min(options.buffer_size, 8192) })
      : pino.destination({ dest: 1, sync: true }));
  const flushTimer =
    options.async_logging && !destination
      ? setInterval(() => (stream as ReturnType<typeof pino.destination>).flush?.(), options.flush_interval_ms).unref()
      : undefined;

  const root = pino(
    {
      level: 'trace',
      base: undefined,
      timestamp: options.timestamp_format === 'rfc3339' ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method, level) {
          const messageIndex = typeof args[0] === 'string' ? 0 : 1;
          const message = typeof args[messageIndex] === 'string' ? (args[messageIndex] as string) : '';
          if (shouldDrop(level, message)) return;
          if (message) args[messageIndex] = redactText(message);
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    stream as DestinationStream,
  );

  const children = new Map<LogComponent, Logger>();
  return {
    for(component) {
      let child = children.get(component);
      if (!child) {
        child = root.child({ component }, { level: options.levels[component] ?? options.levels.root });
        children.set(component, child);
      }
      return child;
    },
    flush() {
      (stream as { flushSync?: () => void }).flushSync?.();
    },
    close() {
      if (flushTimer) clearInterval(flushTimer);
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // A destination not yet open has nothing to flush.
      }
    },
  };
}
