import { z } from 'zod';
import { seconds } from '../units.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_COMPONENTS = ['root', 'providers', 'quality', 'learning', 'monitoring'] as const;

const level = z.enum(LOG_LEVELS);

const filter = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('regex'),
    pattern: z.string().refine(
      (pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    ),
    action: z.enum(['drop']).default('drop'),
  }),
  z.strictObject({
    type: z.literal('rate_limit'),
    limit: z.number().int().positive(),
    window: seconds().default(60),
    action: z.enum(['drop']).default('drop'),
  }),
]);

export const loggingSchema = z
  .strictObject({
    async_logging: z.boolean().default(true),
    buffer_size: z.number().int().positive().default(65536),
    flush_interval_ms: z.number().int().positive().default(1000),
    /**
     * Not in the guide. With async_logging: the most log output (MiB) kept waiting for a
     * destination that does not keep up; past it lines are dropped and one warning later says
     * how many. 0: unbounded.
     */
    max_pending_mb: z.number().nonnegative().default(16),
    levels: z
      .strictObject({
        root: level.default('info'),
        providers: level.default('warn'),
        quality: level.default('info'),
        learning: level.default('warn'),
        monitoring: level.default('error'),
      })
      .prefault({}),
    /** Unset: pretty on a terminal, JSON otherwise. */
    format: z.enum(['json', 'pretty']).optional(),
    timestamp_format: z.enum(['rfc3339', 'epoch']).default('rfc3339'),
    include_caller: z.boolean().default(false),
    include_stacktrace: z.boolean().default(false),
    rotation: z
      .strictObject({
        max_size_mb: z.number().positive().default(100),
        max_files: z.number().int().positive().default(10),
        compress: z.boolean().default(true),
      })
      .prefault({}),
    sampling: z
      .strictObject({
        enabled: z.boolean().default(true),
        rate: z.number().min(0).max(1).default(0.1),
        apply_to_levels: z.array(z.enum(['debug', 'trace'])).default(['debug', 'trace']),
      })
      .prefault({}),
    filters: z.array(filter).prefault([
      { type: 'regex', pattern: 'health_check', action: 'drop' },
      { type: 'rate_limit', limit: 100, window: '1m', action: 'drop' },
    ]),
    /** Log file (rotated per `rotation`, shared by all workers); stdout when unset. */
    file: z.string().optional(),
  })
  .prefault({});
