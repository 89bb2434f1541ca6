import type { Cluster, Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from '../key-rate-limit/key-rate-limiter.js';
import type { RedisAvailability } from './redis-connection.js';

/**
 * The HTTP API's per-key limit (`server.auth`, requests per minute per API key) in Redis, so a
 * key limited to 60 rpm gets 60 rpm from the whole fleet, not 60 from each replica. Same token
 * bucket as the in-process limiter (capacity = the limit, refilled at limit/60 per second), one
 * Lua script per request (one round-trip), one hash per key that expires once full again.
 * When Redis fails, `fallback` (the in-process limiter) decides, so auth never hangs on Redis;
 * with `redis` (the shared connection's circuit) a known outage costs no round-trip at all. When
 * Redis returns its buckets decide again (nothing to replay: they refill on their own).
 */

export interface RedisKeyRateLimiterOptions {
  /** Keys are `<prefix>:apikey:{<key name>}` (default prefix `fortitude`). */
  keyPrefix?: string;
  /** Epoch ms (default `Date.now`). */
  now?: () => number;
  /** Decides while Redis is unreachable (the in-process limiter). */
  fallback: RateLimiter;
  onDegraded?(error: unknown): void;
  /** The shared connection's circuit: while it is open, `fallback` decides without asking Redis. */
  redis?: RedisAvailability;
}

/** KEYS[1]: the key's hash. ARGV: now, limit per minute. Returns {allowed, tokens left (string)}. */
const TAKE = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local rate = limit / 60000
local values = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'limit')
local tokens = tonumber(values[1])
local at = tonumber(values[2])
if not tokens or tonumber(values[3]) ~= limit then
  tokens = limit
  at = now
elseif now > at then
  tokens = math.min(limit, tokens + (now - at) * rate)
  at = now
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.0f', at), 'limit', limit)
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.ceil((limit - tokens) / rate) + 1000))
return { allowed, string.format('%.17g', tokens) }
`;

const COMMAND = 'fortitudeKeyRateTake';
type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<[number, string]>;

export function createRedisKeyRateLimiter(client: Redis | Cluster, options: RedisKeyRateLimiterOptions): RateLimiter {
  client.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE });
  const prefix = options.keyPrefix ?? 'fortitude';
  const now = options.now ?? Date.now;
  const take = (client as unknown as Record<string, ScriptCall>)[COMMAND]!.bind(client);
  return {
    async take(key, limitPerMinute): Promise<RateDecision> {
      let reply: [number, string];
      const redis = options.redis;
      if (redis && !redis.available && !(await redis.admit())) return options.fallback.take(key, limitPerMinute);
      try {
        reply = await take(`${prefix}:apikey:{${key}}`, Math.floor(now()), limitPerMinute);
      } catch (error) {
        redis?.failed(error);
        options.onDegraded?.(error);
        return options.fallback.take(key, limitPerMinute);
      }
      const allowed = Number(reply[0]) === 1;
      const tokens = Number(reply[1]);
      const ratePerMs = limitPerMinute / 60_000;
      return {
        allowed,
        limit: limitPerMinute,
        remaining: Math.floor(tokens),
        resetSeconds: Math.ceil((limitPerMinute - tokens) / ratePerMs / 1000),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000)),
      };
    },
  };
}
