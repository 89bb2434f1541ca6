import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { redactText, redactValue } from './redact.js';

export type LogComponent = 'root' | 'providers' | 'quality' | 'learning' | 'monitoring';

export interface LoggingOptions {
  levels: Record<LogComponent, LevelWithSilent>;
  timestampFormat: 'rfc3339' | 'epoch';
  /** Keep every 1/rate-th line of the listed levels. */
  sampling: { enabled: boolean; rate: number; levels: readonly ('debug' | 'trace')[] };
  /** Drop lines matching a pattern; drop a message repeated more than `limit` times within `windowMs`. */
  filters: readonly ({ type: 'regex'; pattern: string } | { type: 'rate_limit'; limit: number; windowMs: number })[];
  /** Buffer stdout writes (flushed every `flushIntervalMs`) instead of writing each line at once. */
  asyncLogging: boolean;
  /** Bytes buffered before a write (pino caps it at 8 KiB). */
  bufferSizeBytes: number;
  flushIntervalMs: number;
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
  const sampledLevels = new Set<number>(options.sampling.enabled ? options.sampling.levels.map((level) => LEVEL_NUMBER[level]!) : []);
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
      const windowMs = limit.windowMs;
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
    (options.asyncLogging
      ? // pino caps the buffer below its maxWrite (16 KiB).
        pino.destination({ dest: 1, sync: false, minLength: Math.min(options.bufferSizeBytes, 8192) })
      : pino.destination({ dest: 1, sync: true }));
  const flushTimer =
    options.asyncLogging && !destination
      ? setInterval(() => (stream as ReturnType<typeof pino.destination>).flush?.(), options.flushIntervalMs).unref()
      : undefined;

  const root = pino(
    {
      level: 'trace',
      base: undefined,
      timestamp: options.timestampFormat === 'rfc3339' ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
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
