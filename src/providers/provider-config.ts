import type { BreakerPolicy } from './circuit-breaker/breaker-state.js';
import type { ProviderKind } from './provider-kinds.js';
import type { ProviderStackOptions } from './provider-stack.js';

/**
 * A provider's block of `fortitude.yaml` after validation (the seed's keys, durations in
 * seconds). Declared structurally so `providers/` does not import `app/config`; the config
 * schema's resolved provider type fits it.
 */
export interface ProviderConfigShape {
  name: string;
  kind: ProviderKind;
  api_key?: string | undefined;
  base_url?: string | undefined;
  timeout_seconds: number;
  connect_timeout: number;
  read_timeout: number;
  connection_pool: { max_connections: number; max_idle_connections: number; idle_timeout: number; keep_alive: boolean };
  rate_limit: {
    requests_per_minute?: number | undefined;
    tokens_per_minute?: number | undefined;
    max_concurrent?: number | undefined;
    burst_allowance?: number | undefined;
    max_queue_wait_ms?: number | undefined;
  };
  request_optimization: { enable_compression: boolean; max_retries: number; retry_delay_ms: number; exponential_backoff: boolean };
}

const SECOND = 1_000;

/** Maps a validated provider block to stack options (seconds → ms, snake → camel). */
export function stackOptionsFromConfig(
  config: ProviderConfigShape,
  extra: { simulated?: boolean; baseUrl?: string; breaker?: Partial<BreakerPolicy> } = {},
): ProviderStackOptions {
  const pool = config.connection_pool;
  const limits = config.rate_limit;
  const optimization = config.request_optimization;
  const options: ProviderStackOptions = {
    name: config.name,
    kind: config.kind,
    simulated: extra.simulated ?? false,
    totalTimeoutMs: config.timeout_seconds * SECOND,
    readTimeoutMs: config.read_timeout * SECOND,
    connection: {
      maxConnections: pool.max_connections,
      maxIdleConnections: pool.max_idle_connections,
      idleTimeoutMs: pool.idle_timeout * SECOND,
      keepAlive: pool.keep_alive,
      connectTimeoutMs: config.connect_timeout * SECOND,
    },
    compressRequests: optimization.enable_compression,
    rateLimit: {
      requestsPerMinute: limits.requests_per_minute,
      tokensPerMinute: limits.tokens_per_minute,
      maxConcurrent: limits.max_concurrent,
      burstAllowance: limits.burst_allowance,
      maxQueueWaitMs: limits.max_queue_wait_ms,
    },
    retry: {
      maxRetries: optimization.max_retries,
      retryDelayMs: optimization.retry_delay_ms,
      exponentialBackoff: optimization.exponential_backoff,
    },
  };
  const baseUrl = extra.baseUrl ?? config.base_url;
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  if (config.api_key !== undefined) options.apiKey = config.api_key;
  if (extra.breaker) options.breaker = extra.breaker;
  return options;
}
