import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyDestination } from './pretty-format.js';
import { redactText, redactValue } from './redact.js';
import { createRotatingFile, type RotationOptions } from './rotating-file.js';

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
  /**
   * With `asyncLogging`: the most bytes waiting for a destination that does not keep up (a
   * stdout reader that stalls, a slow disk); past it new lines are dropped and counted, and once
   * the destination has taken lines again for a whole flush interval one warning says how many
   * were lost. 0 or unset: unbounded.
   */
  maxPendingBytes?: number;
  /** `pretty`: one human-readable line per entry; `json`: one JSON object per line; unset: pretty on a terminal, JSON otherwise. */
  format?: 'json' | 'pretty' | undefined;
  /** Write to this file (rotated by size) instead of stdout. */
  file?: { path: string; rotation: RotationOptions } | undefined;
  /** Add `caller: "file:line"` (the code that logged) to each line; costs a stack capture per line. */
  includeCaller?: boolean;
  /** Add a logged error's stack (scrubbed of secrets); otherwise errors log as `{ type, message }`. */
  includeStacktrace?: boolean;
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

  // pino caps the buffer below its maxWrite (16 KiB).
  const minLength = Math.min(options.bufferSizeBytes, 8192);
  // A bounded backlog: what sonic-boom drops past `maxLength` is counted here, reported later.
  const maxLength = options.maxPendingBytes !== undefined && options.maxPendingBytes > 0 ? Math.max(options.maxPendingBytes, 2 * minLength) : undefined;
  const dropped = { lines: 0, reported: 0, lastAt: 0 };
  const onDrop = (data: string) => {
    let lines = 0;
    for (let at = data.indexOf('\n'); at !== -1; at = data.indexOf('\n', at + 1)) lines++;
    dropped.lines += Math.max(1, lines);
    dropped.lastAt = Date.now();
  };
  const rawStream =
    destination ??
    (options.file
      ? createRotatingFile(options.file.path, options.file.rotation, options.asyncLogging ? { sync: false, minLength, ...(maxLength ? { maxLength, onDrop } : {}) } : { sync: true })
      : options.asyncLogging
        ? pino.destination({ dest: 1, sync: false, minLength, ...(maxLength ? { maxLength } : {}) }).on('drop', onDrop)
        : pino.destination({ dest: 1, sync: true }));
  const onTerminal = !options.file && Boolean(((destination ?? process.stdout) as { isTTY?: boolean }).isTTY);
  const pretty = options.format === 'pretty' || (options.format === undefined && onTerminal);
  const stream = pretty ? prettyDestination(rawStream as { write(chunk: string): unknown; flushSync?(): void }) : rawStream;
  const flushTimer =
    options.asyncLogging && !destination
      ? setInterval(() => {
          (rawStream as { flush?: () => void }).flush?.();
          // Said once the destination has taken lines again for a whole interval (said sooner, the
          // warning would be dropped too).
          if (dropped.lines > dropped.reported && Date.now() - dropped.lastAt >= options.flushIntervalMs) {
            const lost = dropped.lines - dropped.reported;
            dropped.reported = dropped.lines;
            root.warn(
              { droppedLines: lost, droppedLinesTotal: dropped.lines, maxPendingBytes: maxLength },
              `${lost} log lines dropped: the log destination did not keep up and more than logging.max_pending_mb waited for it`,
            );
          }
        }, options.flushIntervalMs).unref()
      : undefined;
  const includeStack = options.includeStacktrace ?? false;

  const root = pino(
    {
      level: 'trace',
      base: undefined,
      timestamp: options.timestampFormat === 'rfc3339' ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactValue(object, 0, includeStack) as Record<string, unknown>,
      },
      // Errors are already reduced to `{ type, message, stack? }` (redacted) by `formatters.log`;
      // pino's own err serializer would turn that object into `{ type: 'Object', stack: '' }`.
      serializers: { err: (value: unknown) => value },
      ...(options.includeCaller ? { mixin: () => ({ caller: callerOf() }) } : {}),
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
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // A destination not yet open has nothing to flush.
      }
    },
    close() {
      if (flushTimer) clearInterval(flushTimer);
      try {
        (stream as { flushSync?: () => void }).flushSync?.();
      } catch {
        // A destination not yet open has nothing to flush.
      }
      if (options.file && !destination) (rawStream as unknown as { close(): void }).close();
    },
  };
}

/** `file:line` of the first stack frame outside pino and this folder: the code that logged. */
function callerOf(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30; // pino's own frames come first
  const stack = new Error().stack?.split('\n') ?? [];
  Error.stackTraceLimit = limit;
  for (const frame of stack.slice(1)) {
    if (frame.includes('/node_modules/') || /\/infrastructure\/logging\/(?:logger|redact|pretty-format|rotating-file)\.[jt]s:/.test(frame) || frame.includes('node:')) continue;
    const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(frame.trim());
    if (match) return `${match[1]!.replace(/^file:\/\//, '').replace(/^.*\/(src|dist)\//, '$1/')}:${match[2]}`;
  }
  return undefined;
}
