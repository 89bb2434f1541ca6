import { newTable } from '../table.js';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { WarmRunReport, WarmStepReport } from '../../../infrastructure/cache/semantic/cache-warmer.js';
import type { CliContext } from '../cli-context.js';
import { registerCacheEvalCommand } from './cache-eval-command.js';
import { formatBytes, getJson, liveOnly, liveOrStored, postJson, serverOptionsOf, withServerOptions, type ServerCommandOptions } from './server-client.js';

const SCOPES = ['research', 'gateway', 'admin'] as const;

/** `keys` (stored data), `providers status` and `cache status|warm|clear` (the running server). */
export function registerAdminCommands(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('API keys for the HTTP API (stored hashed; shown once)');
  keys
    .command('create')
    .description('create an API key; prints it once')
    .requiredOption('--name <name>', 'a unique name for the key (who or what uses it)')
    .option('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`, 'research,gateway')
    .option('--rate-limit <perMinute>', 'requests per minute for this key (default from config)')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; scopes: string; rateLimit?: string; json?: boolean }) => {
      const scopes = options.scopes.split(',').map((scope) => scope.trim()).filter(Boolean);
      const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
      if (unknown.length > 0 || scopes.length === 0)
        throw new FortitudeError('bad_request', `--scopes: expected a comma-separated list of ${SCOPES.join(', ')} (got "${options.scopes}")`);
      let rateLimitPerMinute: number | undefined;
      if (options.rateLimit !== undefined) {
        rateLimitPerMinute = Number(options.rateLimit);
        if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1)
          throw new FortitudeError('bad_request', `--rate-limit: expected a whole number of requests per minute ≥ 1 (got "${options.rateLimit}")`);
      }
      const services = await context.openStoredData();
      try {
        const created = await services.createApiKey({ name: options.name, scopes, ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}) });
        if (options.json) context.out(JSON.stringify({ key: created.key, ...created.record }, null, 2));
        else
          context.out(
            `${created.key}\n\nkey "${created.record.name}" created with scopes ${created.record.scopes.join(', ')}, ${created.record.rateLimitPerMinute}/min.\n` +
              'This is the only time it is shown: store it now. Send it as "Authorization: Bearer <key>".',
          );
      } finally {
        await services.close();
      }
    });
  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const services = await context.openStoredData();
      try {
        const list = await services.listApiKeys();
        if (options.json) return context.out(JSON.stringify(list, null, 2));
        const table = newTable({ head: ['name', 'prefix', 'scopes', 'limit/min', 'created', 'last used', 'status'], style: { head: [], border: [] } });
        for (const key of list)
          table.push([
            key.name,
            key.prefix,
            key.scopes.join(','),
            String(key.rateLimitPerMinute),
            new Date(key.createdAt).toISOString().slice(0, 16),
            key.lastUsedAt ? new Date(key.lastUsedAt).toISOString().slice(0, 16) : '—',
            key.revokedAt ? 'revoked' : 'active',
          ]);
        context.out(list.length === 0 ? 'no API keys (create one with fortitude keys create --name NAME)' : table.toString());
      } finally {
        await services.close();
      }
    });
  keys
    .command('revoke <name>')
    .description('revoke an API key by name or id')
    .action(async (name: string) => {
      const services = await context.openStoredData();
      try {
        if (!(await services.revokeApiKey(name))) throw new FortitudeError('not_found', `no active API key named "${name}" (see fortitude keys list)`);
        context.out(`key "${name}" revoked`);
      } finally {
        await services.close();
      }
    });

  const providers = program.command('providers').description('provider health, breakers, latency and limits');
  withServerOptions(
    providers
      .command('status')
      .description('every configured provider as the running server sees it (all workers): healthy, breaker, latency p50/p95, error rate, requests, rate-limit budget')
      .option('--json', 'print JSON'),
    context,
  ).action(async (options: ServerCommandOptions & { json?: boolean }) => {
    const server = serverOptionsOf(options);
    const status = await liveOrStored(context, server, () => getJson<unknown[]>(server, '/api/providers/status'), 'configured providers and stored breaker/limit state only, no live counts', async () => {
      const services = await context.openStoredProviderStatus();
      try {
        return await services.providerStatus();
      } finally {
        await services.close();
      }
    });
    context.out(options.json ? JSON.stringify(status, null, 2) : renderProviderStatus(status));
  });

  const cache = program.command('cache').description('inspect and manage the running server\'s caches');
  withServerOptions(cache.command('status').description('hit ratio per level and strategy, sizes, Redis health (all workers)').option('--json', 'print JSON'), context).action(
    async (options: ServerCommandOptions & { json?: boolean }) => {
      const server = serverOptionsOf(options);
      const stats = await liveOrStored(context, server, () => getJson<unknown>(server, '/api/cache/stats'), 'the stored levels (disk, Redis) as this process opens them', async () => {
        const services = await context.openServices();
        try {
          return await services.cacheStats();
        } finally {
          await services.close();
        }
      });
      context.out(options.json ? JSON.stringify(stats, null, 2) : renderCacheStats(stats, redisConfigured(context)));
    },
  );
  withServerOptions(
    cache.command('warm').description("one warming run in the running server: popular and recent query patterns (bounded by caching.warming)").option('--json', 'print JSON'),
    context,
  ).action(async (options: ServerCommandOptions & { json?: boolean }) => {
    const server = serverOptionsOf(options);
    const result = await liveOnly(server, 'nothing warmed', () => postJson<unknown>(server, '/api/admin/cache/warm'));
    context.out(options.json ? JSON.stringify(result, null, 2) : `warmed in ${server.url}: ${renderWarmRun(result)}`);
  });
  withServerOptions(
    cache.command('clear').description("clear every cache level in every worker of the running server (the reference library is kept)").option('--json', 'print JSON'),
    context,
  ).action(async (options: ServerCommandOptions & { json?: boolean }) => {
    const server = serverOptionsOf(options);
    const result = await liveOnly(server, 'nothing cleared', () => postJson<{ cleared: { workerId: number | null; pid: number; error?: string; levels?: { level: string; ok: boolean }[] }[]; processes: { asked: number; answered: number } }>(server, '/api/admin/cache/clear'));
    if (options.json) return context.out(JSON.stringify(result, null, 2));
    const lines = result.cleared.map((entry) => `  ${entry.workerId === null ? 'server' : `worker ${entry.workerId}`} (pid ${entry.pid}): ${entry.error ?? (entry.levels ?? []).map((level) => `${level.level} ${level.ok ? 'cleared' : 'FAILED'}`).join(', ')}`);
    context.out([`cleared ${server.url}: ${result.processes.answered} of ${result.processes.asked} workers`, ...lines].join('\n'));
  });
  registerCacheEvalCommand(cache, context);
}

/**
 * The `providers status` table. "connections": open to the provider, and calls waiting for a free
 * one (`connection_pool.max_connections` all busy). "rate limit left" is the provider's own remaining request quota
 * as its last response reported it; "—" before any response said so (the local bucket's burst
 * headroom, `rateLimit.requestsRemaining` in `--json`, is not a quota: 1 on a fresh start).
 */
export function renderProviderStatus(status: unknown[]): string {
  const table = newTable({
    head: ['provider', 'kind', 'model', 'mode', 'healthy', 'breaker', 'p50 ms', 'p95 ms', 'errors', 'requests', 'connections', 'rate limit left'],
    style: { head: [], border: [] },
  });
  for (const entry of status as Record<string, unknown>[]) {
    const latency = (entry.latency ?? {}) as Record<string, number | null | undefined>;
    const limit = (entry.rateLimit ?? {}) as Record<string, unknown>;
    table.push([
      String(entry.name ?? ''),
      String(entry.kind ?? ''),
      String(entry.model ?? ''),
      entry.simulated ? 'simulated' : 'live',
      entry.healthy ? 'yes' : 'no',
      String(entry.breaker ?? entry.circuit ?? ''),
      format(latency.p50),
      format(latency.p95),
      typeof entry.errorRate === 'number' ? `${(entry.errorRate * 100).toFixed(1)}%` : '—',
      String(entry.requests ?? 0),
      connectionsCell(entry.connections as Record<string, unknown> | undefined),
      typeof limit.providerRequestsRemaining === 'number' ? `${String(limit.providerRequestsRemaining)} req` : '—',
    ]);
  }
  return table.toString();
}

/** Open connections to the provider, and calls waiting for one (all `max_connections` busy): raise the limit when that is not 0 under load. */
function connectionsCell(pool: Record<string, unknown> | undefined): string {
  if (pool === undefined || typeof pool.connected !== 'number') return '—';
  const waiting = typeof pool.pending === 'number' ? pool.pending : 0;
  return waiting > 0 ? `${pool.connected} open, ${waiting} waiting` : `${pool.connected} open`;
}

function format(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toFixed(1) : '—';
}

/** A warming run's report (`WarmRunReport`) as one line; anything else as JSON. */
export function renderWarmRun(result: unknown): string {
  const run = result as Partial<WarmRunReport> | null;
  if (run === null || typeof run !== 'object' || run.popular === undefined || run.patterns === undefined || typeof run.executed !== 'number' || typeof run.cost !== 'number') return JSON.stringify(result);
  const step = (name: string, counts: WarmStepReport, extra = '') => `${name} ${counts.warmed} warmed of ${counts.considered} (${counts.alreadyCached} already cached, ${counts.failed} failed${extra})`;
  const parts = [
    step('popular queries', run.popular),
    step('recent patterns', run.patterns, run.patterns.belowThreshold ? `, ${run.patterns.belowThreshold} below the frequency threshold` : ''),
    ...(run.embeddings ? [`embeddings ${run.embeddings.computed} computed of ${run.embeddings.considered} (${run.embeddings.alreadyCached} already cached)`] : []),
    `${run.executed} queries run for $${run.cost.toFixed(4)}${run.stoppedBy ? `, stopped by caching.warming ${run.stoppedBy}` : ''}`,
  ];
  return parts.join('; ');
}

/** Whether the config enables the Redis level (which is only built with REDIS_URL); false when the config cannot be read. */
function redisConfigured(context: CliContext): boolean {
  try {
    return (context.loadConfig().effective as { caching?: { levels?: { redis?: { enabled?: boolean } } } }).caching?.levels?.redis?.enabled === true;
  } catch {
    return false;
  }
}

export function renderCacheStats(stats: unknown, redisEnabled = false): string {
  const body = (stats ?? {}) as { levels?: Record<string, unknown>[]; strategies?: Record<string, Record<string, unknown>>; processes?: { asked: number; answered: number } };
  const levels = newTable({ head: ['level', 'healthy', 'hits', 'misses', 'sets', 'evictions', 'entries', 'used'], style: { head: [], border: [] } });
  for (const level of body.levels ?? []) {
    levels.push([String(level.level), level.healthy === false ? 'no' : 'yes', String(level.hits ?? 0), String(level.misses ?? 0), String(level.sets ?? 0), String(level.evictions ?? 0), String(level.entries ?? '—'), typeof level.usedBytes === 'number' ? formatBytes(level.usedBytes) : '—']);
  }
  const strategies = newTable({ head: ['strategy', 'lookups', 'misses', 'hit ratio'], style: { head: [], border: [] } });
  for (const [name, counters] of Object.entries(body.strategies ?? {})) {
    strategies.push([name, String(counters.lookups ?? 0), String(counters.misses ?? 0), typeof counters.hitRatio === 'number' ? `${(counters.hitRatio * 100).toFixed(1)}%` : '—']);
  }
  const lines = [levels.toString()];
  if ((strategies.length as number) > 0) lines.push(strategies.toString());
  if (body.processes) lines.push(`workers answered: ${body.processes.answered} of ${body.processes.asked}`);
  // The Redis level exists only with REDIS_URL: say so rather than leave it silently missing.
  if (redisEnabled && !(body.levels ?? []).some((level) => level.level === 'redis')) {
    lines.push('redis: not in use (caching.levels.redis is enabled, but the server was started without REDIS_URL)');
  }
  return lines.join('\n');
}
