import { z } from 'zod';
import { SELECTION_STRATEGIES } from '../../../pipeline/routing/selection-options.js';
import { milliseconds, seconds } from '../units.js';

const WEIGHT_TOLERANCE = 1e-6;

export const selectionStrategySchema = z
  .strictObject({
    type: z.enum(SELECTION_STRATEGIES).default('performance_optimized'),
    criteria: z
      .strictObject({
        latency: z.number().min(0).max(1).default(0.4),
        quality: z.number().min(0).max(1).default(0.3),
        cost: z.number().min(0).max(1).default(0.2),
        availability: z.number().min(0).max(1).default(0.1),
      })
      .prefault({})
      .refine((criteria) => Math.abs(criteria.latency + criteria.quality + criteria.cost + criteria.availability - 1) < WEIGHT_TOLERANCE, {
        message: 'latency + quality + cost + availability must sum to 1',
      }),
    performance_window: seconds().default(3600),
    min_samples: z.number().int().nonnegative().default(10),
    adaptive_selection: z.boolean().default(true),
    quality_threshold: z.number().min(0).max(1).default(0.8),
    latency_threshold: milliseconds().default(2000),
    /** Provider names in order, for `fixed_order` and as the fallback order. */
    order: z.array(z.string()).optional(),
  })
  .prefault({});
