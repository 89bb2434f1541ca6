import { z } from 'zod';
import { DEFAULT_MODEL, KIND_BY_NAME, PROVIDER_KINDS, providerDefinition, type ProviderKind } from '../../../providers/provider-kinds.js';
import { fraction, parseDurationMs, seconds } from '../units.js';

const connectionPool = z
  .strictObject({
    max_connections: z.number().int().positive().default(100),
    max_idle_connections: z.number().int().nonnegative().default(20),
    idle_timeout: seconds().default(90),
    keep_alive: z.boolean().default(true),
  })
  .prefault({});

const rateLimit = z
  .strictObject({
    requests_per_minute: z.number().positive().default(150),
    tokens_per_minute: z.number().positive().default(120_000),
    max_concurrent: z.number().int().positive().default(15),
    burst_allowance: z.number().int().nonnegative().default(0),
    /** How long a request may wait in the fair queue before failing with `rate_limited`. */
    max_queue_wait_ms: z.number().int().nonnegative().default(5_000),
    /**
     * While this provider's shared buckets (the machine's, or the fleet's with Redis) are far
     * from binding, each process takes tokens from them in chunks and grants requests from that
     * local credit; near the limits every request asks the shared buckets, as with `false`.
     */
    lease: z.boolean().default(true),
  })
  .prefault({});

const requestOptimization = z
  .strictObject({
    enable_compression: z.boolean().default(false),
    max_retries: z.number().int().min(0).max(10).default(3),
    retry_delay_ms: z.number().int().nonnegative().default(1000),
    exponential_backoff: z.boolean().default(true),
  })
  .prefault({});

const positiveSeconds = () => seconds().refine((value) => value > 0, { message: 'must be a positive duration such as 30s or 1m' });

/** When the provider's circuit breaker opens and for how long; the defaults are the breaker's built-in policy. */
const circuitBreaker = z
  .strictObject({
    /** Consecutive failures (5xx, timeouts, dropped connections or streams) that open the breaker. */
    consecutive_failures: z.number().int('must be a whole number of failures').positive('must be at least 1').default(5),
    /** Failure ratio over `window` that opens it, as 0.5 or 50%… */
    failure_ratio: fraction()
      .refine((value) => value > 0, { message: 'must be above 0: a fraction up to 1 such as 0.5, or a percentage such as 50%' })
      .default(0.5),
    /** …once the window holds at least this many calls. */
    minimum_requests: z.number().int('must be a whole number of calls').positive('must be at least 1').default(20),
    /** Rolling window for the ratio (seconds, or a duration such as 2m). */
    window: positiveSeconds().default(60),
    /** How long the breaker stays open before letting a probe through (seconds, or a duration). */
    open_duration: positiveSeconds().default(30),
  })
  .prefault({});

export const modelPrice = z.strictObject({
  input_per_million: z.number().nonnegative(),
  output_per_million: z.number().nonnegative(),
});

export const providerSchema = z.strictObject({
  kind: z.enum(PROVIDER_KINDS).optional(),
  enabled: z.boolean().default(true),
  /** Secret. Usually from the kind's environment variable (OPENAI_API_KEY…, see `apiKeyEnv` in providers/<kind>/) or `${VAR}`. */
  api_key: z.string().min(1).optional(),
  base_url: z.url({ message: 'expected an http(s) URL such as http://127.0.0.1:11434/v1' }).optional(),
  model: z.string().min(1).optional(),
  /** Extra models this provider may serve (listed by GET /v1/models). */
  models: z.array(z.string().min(1)).default([]),
  embedding_model: z.string().min(1).optional(),
  timeout_seconds: seconds().default(30),
  connect_timeout: seconds().default(5),
  read_timeout: seconds().default(25),
  /**
   * Longest one request led by this provider waits for an answer, every try, retry and fallback
   * together (seconds or a duration such as 10s). Default: `timeout_seconds`.
   */
  deadline_seconds: positiveSeconds().optional(),
  /**
   * When the next provider starts beside a try that has not answered: `auto` (this provider's
   * p99 of recent successes, at least 250 ms, and 250 ms until it has answered 10 times) or a
   * duration (`800ms`, `2s`; a plain number is milliseconds).
   */
  hedge_after: z
    .union([z.number(), z.string()])
    .transform((value, context): number | 'auto' => {
      if (value === 'auto') return value;
      const ms = typeof value === 'number' ? value : parseDurationMs(value);
      if (ms === undefined || !(ms > 0)) {
        context.addIssue({ code: 'custom', message: `must be auto or a positive duration such as 800ms or 2s (got "${String(value)}")` });
        return z.NEVER;
      }
      return ms;
    })
    .default('auto'),
  connection_pool: connectionPool,
  rate_limit: rateLimit,
  request_optimization: requestOptimization,
  circuit_breaker: circuitBreaker,
  /** Per-model price overrides (USD per million tokens). */
  pricing: z.record(z.string(), modelPrice).default({}),
});

export type ProviderConfigInput = z.input<typeof providerSchema>;

/** The seed's `optimized-providers.yaml`, verbatim: these are the providers when none are configured. */
export const SEED_PROVIDERS: Record<string, ProviderConfigInput> = {
  openai: {
    timeout_seconds: 30,
    connect_timeout: 5,
    read_timeout: 25,
    connection_pool: { max_connections: 100, max_idle_connections: 20, idle_timeout: 90, keep_alive: true },
    rate_limit: { requests_per_minute: 150, tokens_per_minute: 120000, max_concurrent: 15, burst_allowance: 50 },
    request_optimization: { enable_compression: true, max_retries: 3, retry_delay_ms: 1000, exponential_backoff: true },
  },
  claude: {
    timeout_seconds: 30,
    connection_pool: { max_connections: 80, max_idle_connections: 15, idle_timeout: 90 },
    rate_limit: { requests_per_minute: 120, tokens_per_minute: 100000, max_concurrent: 12 },
  },
  gemini: {
    timeout_seconds: 25,
    connection_pool: { max_connections: 120, max_idle_connections: 25 },
    rate_limit: { requests_per_minute: 180, tokens_per_minute: 80000, max_concurrent: 20 },
  },
};

export const providersSchema = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names are lowercase letters, digits, - and _'), providerSchema)
  .superRefine((providers, context) => {
    for (const [name, provider] of Object.entries(providers)) {
      const kind = provider.kind ?? KIND_BY_NAME[name];
      if (!kind) {
        context.addIssue({
          code: 'custom',
          path: [name, 'kind'],
          message: `cannot tell the wire format of "${name}": add kind: one of ${PROVIDER_KINDS.join(', ')}`,
        });
        continue;
      }
      const definition = providerDefinition(kind);
      if (definition.defaultBaseUrl === undefined && !provider.base_url) {
        context.addIssue({
          code: 'custom',
          path: [name, 'base_url'],
          message: `a provider of kind ${kind} needs base_url (e.g. ${definition.baseUrlExample})`,
        });
      }
    }
  })
  .transform((providers) => {
    const resolved: Record<string, ResolvedProvider> = {};
    for (const [name, provider] of Object.entries(providers)) {
      // superRefine reported a provider whose kind cannot be told; the parse fails with that issue.
      const kind = provider.kind ?? KIND_BY_NAME[name];
      if (kind) resolved[name] = { ...provider, name, kind, model: provider.model ?? DEFAULT_MODEL[kind] };
    }
    return resolved;
  })
  .prefault(SEED_PROVIDERS);

export type ResolvedProvider = z.output<typeof providerSchema> & { name: string; kind: ProviderKind; model: string };
