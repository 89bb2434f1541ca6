import { z } from 'zod';
import { modelPrice } from './providers.js';
import { seconds } from '../units.js';

export const BUDGET_ACTIONS = ['alert', 'throttle', 'pause_expensive_providers', 'emergency_stop'] as const;

const providerCosts = z.strictObject({
  model_selection: z
    .strictObject({
      default: z.string().optional(),
      cost_optimized: z.string().optional(),
      quality_threshold: z.number().min(0).max(1).default(0.8),
    })
    .optional(),
  token_optimization: z
    .strictObject({
      max_input_tokens: z.number().int().positive().optional(),
      max_output_tokens: z.number().int().positive().optional(),
      compress_context: z.boolean().default(false),
    })
    .optional(),
  cost_tracking: z
    .strictObject({
      track_per_user: z.boolean().default(true),
      track_per_query_type: z.boolean().default(true),
      daily_reports: z.boolean().default(false),
    })
    .optional(),
  usage_optimization: z
    .strictObject({
      prefer_for_simple_queries: z.boolean().default(false),
      max_requests_per_day: z.number().int().positive().optional(),
    })
    .optional(),
});

const percentKey = z.string().regex(/^(\d{1,3})_percent$/, 'keys look like 80_percent');

export const costManagementSchema = z
  .strictObject({
    global: z
      .strictObject({
        daily_budget_usd: z.number().positive().default(100),
        monthly_budget_usd: z.number().positive().default(2500),
        alert_thresholds: z
          .strictObject({
            daily_80_percent: z.boolean().default(true),
            monthly_90_percent: z.boolean().default(true),
          })
          .prefault({}),
      })
      .prefault({}),
    providers: z.record(z.string(), providerCosts).default({
      openai: { model_selection: { default: 'gpt-4', cost_optimized: 'gpt-3.5-turbo', quality_threshold: 0.8 } },
      claude: { model_selection: { default: 'claude-3-sonnet-20240229', cost_optimized: 'claude-3-haiku-20240307', quality_threshold: 0.8 } },
    }),
    routing: z
      .strictObject({
        /**
         * The router's strategy when set: wins over `selection_strategy.type` (the guide's
         * cost-aware routing). `cost_weight`/`quality_weight` weigh `cost_quality_balanced`.
         */
        strategy: z.enum(['cost_quality_balanced', 'performance_optimized']).optional(),
        cost_weight: z.number().min(0).max(1).default(0.3),
        quality_weight: z.number().min(0).max(1).default(0.7),
        /**
         * `serve` applies `costs apply-optimizations` by itself every `interval`: traffic moves to
         * cheaper providers or models whose measured quality is at least
         * `selection_strategy.quality_threshold − quality_tolerance`, until `cost_savings_target`.
         * Off unless the config turns it on (the seed does).
         */
        auto_optimization: z
          .strictObject({
            enabled: z.boolean().default(false),
            quality_tolerance: z.number().min(0).max(1).default(0.05),
            cost_savings_target: z.number().min(0).max(1).default(0.2),
            /** How often (seconds or a duration; default 5 minutes, the guide's optimizer cadence). */
            interval: seconds().refine((value) => value > 0, { message: 'must be a positive duration such as 5m' }).default(300),
            /** The recorded traffic each run judges (default the last day). */
            time_range: z.string().regex(/^\d+[mhdw]$/, 'a span such as 90m, 24h, 1d or 7d').default('1d'),
          })
          .prefault({}),
      })
      .prefault({})
      .refine((routing) => Math.abs(routing.cost_weight + routing.quality_weight - 1) < 1e-6, {
        message: 'cost_weight + quality_weight must sum to 1',
      }),
    budget_controls: z
      .strictObject({
        hard_limits: z.boolean().default(true),
        /**
         * Each serving process holds a block of headroom (1 % of the smallest limit) while spend is
         * below half of every action and alert threshold and draws its calls from it without a
         * shared-ledger round trip; spend reaches the ledger every 250 ms (docs/operations.md,
         * "Budget leases"). false: every call reserves in the shared ledger.
         */
        lease_headroom: z.boolean().default(true),
        actions: z.record(percentKey, z.enum(BUDGET_ACTIONS)).default({
          '80_percent': 'alert',
          '90_percent': 'throttle',
          '95_percent': 'pause_expensive_providers',
          '100_percent': 'emergency_stop',
        }),
      })
      .prefault({}),
    /** USD per million tokens, per model; overrides the built-in price table. */
    pricing: z.record(z.string(), modelPrice).default({}),
  })
  .prefault({});
