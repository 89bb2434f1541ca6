import type { HealthStatus } from '../infrastructure/storage/storage.js';
import type { ProviderStatus } from '../providers/provider-stack.js';
import type { Fortitude, ReadinessCheck } from './fortitude.js';

export interface HealthDeps {
  providers: { status(): Promise<ProviderStatus[]>; modelOf(name: string): string | undefined };
  database: { healthCheck(): Promise<HealthStatus> };
  /** The shared Redis connection, when `REDIS_URL` is set: down is a degraded detail, never "not ready". */
  redis?: { check(): ReadinessCheck } | undefined;
}

/** `providers status` and `/api/providers/status`: each provider's status as JSON-serialisable rows. */
export function describeProviders(providers: HealthDeps['providers']): Fortitude['providerStatus'] {
  return async () => {
    const statuses = await providers.status();
    return statuses.map((status) => ({
      name: status.name,
      kind: status.kind,
      model: providers.modelOf(status.name),
      simulated: status.simulated,
      configured: status.configured,
      healthy: status.healthy,
      breaker: status.breaker.state,
      latency: status.stats?.latencyMs ? { p50: status.stats.latencyMs.p50, p95: status.stats.latencyMs.p95, p99: status.stats.latencyMs.p99 } : {},
      errorRate: status.stats?.errorRate ?? 0,
      requests: status.stats?.requests ?? 0,
      rateLimit: status.rateLimit,
      origin: status.origin,
      // The undici pool for this origin (sockets open / idle, requests running / waiting); all
      // zero until the first call opens the pool.
      connections: status.connections ?? { origin: status.origin, connected: 0, idle: 0, running: 0, pending: 0 },
    }));
  };
}

/** Readiness, and the provider rows of `describeProviders`. */
export function createHealth(deps: HealthDeps): Pick<Fortitude, 'providerStatus' | 'readiness'> {
  return {
    providerStatus: describeProviders(deps.providers),

    async readiness() {
      const checks: Record<string, ReadinessCheck> = {};
      checks.database = await deps.database.healthCheck();
      if (deps.redis) checks.redis = deps.redis.check();
      const statuses = await deps.providers.status();
      const healthyProviders = statuses.filter((status) => status.healthy).length;
      checks.providers = { ok: healthyProviders > 0, latencyMs: 0, ...(healthyProviders > 0 ? {} : { error: 'no provider is healthy' }) };
      // Only the database decides readiness: Redis down degrades to in-process state, and a
      // provider outage hits every replica alike (taking them all out of the Service helps nobody).
      return { ok: checks.database.ok, checks };
    },
  };
}
