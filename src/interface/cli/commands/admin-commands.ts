import Table from 'cli-table3';
import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { CliContext } from '../cli-context.js';
import { registerCacheEvalCommand } from './cache-eval-command.js';

const SCOPES = ['research', 'gateway', 'admin'] as const;

/** `keys`, `providers status`, `cache status|clear`: operator commands over the services. */
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
        const table = new Table({ head: ['name', 'prefix', 'scopes', 'limit/min', 'created', 'last used', 'status'], style: { head: [], border: [] } });
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
  providers
    .command('status')
    .description('show every configured provider: configured, healthy, breaker, latency p50/p95, error rate, rate-limit budget')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const services = await context.openServices();
      try {
        const status = await services.providerStatus();
        context.out(options.json ? JSON.stringify(status, null, 2) : renderProviderStatus(status));
      } finally {
        await services.close();
      }
    });

  const cache = program.command('cache').description('inspect and manage the caches');
  cache
    .command('status')
    .description('hit ratio per level and strategy, sizes, Redis health')
    .action(async () => {
      const services = await context.openServices();
      try {
        context.out(JSON.stringify(await services.cacheStats(), null, 2));
      } finally {
        await services.close();
      }
    });
  cache
    .command('warm')
    .description('answer popular and recent query patterns ahead of time (bounded by caching.warming)')
    .action(async () => {
      const services = await context.openServices();
      try {
        context.out(JSON.stringify(await services.warmCache(), null, 2));
      } finally {
        await services.close();
      }
    });
  cache
    .command('clear')
    .description('clear every cache level (the reference library is kept)')
    .action(async () => {
      const services = await context.openServices();
      try {
        context.out(JSON.stringify(await services.clearCache(), null, 2));
      } finally {
        await services.close();
      }
    });
  registerCacheEvalCommand(cache, context);
}

function renderProviderStatus(status: unknown[]): string {
  const table = new Table({
    head: ['provider', 'kind', 'model', 'mode', 'healthy', 'breaker', 'p50 ms', 'p95 ms', 'errors', 'requests', 'rate limit left'],
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
      limit.requestsRemaining !== undefined ? `${String(limit.requestsRemaining)} req` : '—',
    ]);
  }
  return table.toString();
}

function format(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toFixed(1) : '—';
}
