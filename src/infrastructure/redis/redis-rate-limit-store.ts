import type { Cluster, Redis } from 'ioredis';
import type { AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from '../../providers/rate-limit/rate-limit-store.js';

/**
 * Token buckets in Redis, so every replica draws on one provider budget (a limit of 100
 * requests per minute stays 100 however many replicas run). Each method is one Lua script over
 * one hash per limiter key, hence atomic and Cluster-safe. Time comes from the caller (`now`),
 * like the in-memory store; a replica whose clock runs behind never moves a bucket backwards.
 *
 * Hash `<prefix>:<key>`: `<bucket>:tokens`, `<bucket>:at` (ms of the last refill), `blocked`
 * (ms). A bucket seen for the first time starts full. The hash expires once every bucket would
 * be full again and no block is pending, so an idle key costs nothing.
 */

export interface RedisRateLimitStoreOptions {
  /** Key prefix (default `fortitude:ratelimit`); tests use a unique one each. */
  keyPrefix?: string;
  /** Whether `close()` quits the client (default false: the caller owns it). */
  ownsClient?: boolean;
}

type RedisClient = Redis | Cluster;

const LEVEL = `
local function level(name, capacity, rate, now)
  local tokens = tonumber(redis.call('HGET', KEYS[1], name .. ':tokens'))
  local at = tonumber(redis.call('HGET', KEYS[1], name .. ':at'))
  if not tokens then return capacity, now end
  if now > at then
    tokens = math.min(capacity, tokens + (now - at) * rate)
    at = now
  end
  return tokens, at
end
local function save(name, tokens, at)
  redis.call('HSET', KEYS[1], name .. ':tokens', string.format('%.17g', tokens), name .. ':at', string.format('%.17g', at))
end
-- Keeps the hash until every bucket is full again and any block has passed.
local function expire(now, fullInMs)
  local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
  local ttl = math.max(fullInMs, blocked - now, 0) + 60000
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.ceil(ttl)))
end
local function fullIn(capacity, rate, tokens)
  if tokens >= capacity then return 0 end
  if rate <= 0 then return 86400000 end
  return (capacity - tokens) / rate
end
`;

/** ARGV: now, then per bucket: name, capacity, refillPerMs, cost. Returns {granted, waitMs (-1: never)}, then when granted each bucket's level after it. */
const ACQUIRE = `${LEVEL}
local now = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
local wait = 0
if blocked > now then wait = blocked - now end
local levels = {}
for i = 2, #ARGV, 4 do
  local capacity = tonumber(ARGV[i + 1])
  local rate = tonumber(ARGV[i + 2])
  local cost = tonumber(ARGV[i + 3])
  local tokens, at = level(ARGV[i], capacity, rate, now)
  levels[#levels + 1] = { ARGV[i], tokens, at, capacity, rate, cost }
  local needed = math.min(cost, capacity) - tokens
  if needed > 0 then
    if rate > 0 then wait = math.max(wait, math.ceil(needed / rate)) else wait = -1 end
  end
  if wait < 0 then break end
end
if wait ~= 0 then return { 0, string.format('%.0f', wait) } end
local longest = 0
local out = { 1, '0' }
for _, entry in ipairs(levels) do
  local tokens = entry[2] - entry[6]
  save(entry[1], tokens, entry[3])
  longest = math.max(longest, fullIn(entry[4], entry[5], tokens))
  out[#out + 1] = string.format('%.17g', tokens)
end
expire(now, longest)
return out
`;

/** ARGV: now, name, capacity, refillPerMs, value, mode (`adjust` adds value, `clamp` lowers to it). */
const CHANGE = `${LEVEL}
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local value = tonumber(ARGV[5])
local tokens, at = level(ARGV[2], capacity, rate, now)
if ARGV[6] == 'adjust' then tokens = math.min(capacity, tokens + value) else tokens = math.min(tokens, value) end
save(ARGV[2], tokens, at)
expire(now, fullIn(capacity, rate, tokens))
return 1
`;

/** ARGV: until (ms), now. */
const BLOCK = `${LEVEL}
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
local untilMs = math.max(blocked, tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'blocked', string.format('%.0f', untilMs))
local ttl = redis.call('PTTL', KEYS[1])
local wanted = math.max(untilMs - tonumber(ARGV[2]), 0) + 60000
if ttl < wanted then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', wanted)) end
return 1
`;

/** ARGV: now, then per bucket: name, capacity, refillPerMs. Read-only. Returns {blockedUntil, tokens₁, …} as strings. */
const PEEK = `${LEVEL}
local now = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if blocked <= now then blocked = 0 end
local out = { string.format('%.0f', blocked) }
for i = 2, #ARGV, 3 do
  local tokens = level(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), now)
  out[#out + 1] = string.format('%.17g', tokens)
end
return out
`;

type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<unknown>;

const COMMANDS = {
  acquire: 'fortitudeRateAcquire',
  change: 'fortitudeRateChange',
  block: 'fortitudeRateBlock',
  peek: 'fortitudeRatePeek',
} as const;

export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #ownsClient: boolean;

  constructor(client: RedisClient, options: RedisRateLimitStoreOptions = {}) {
    this.#client = client;
    this.#prefix = options.keyPrefix ?? 'fortitude:ratelimit';
    this.#ownsClient = options.ownsClient ?? false;
    client.defineCommand(COMMANDS.acquire, { numberOfKeys: 1, lua: ACQUIRE });
    client.defineCommand(COMMANDS.change, { numberOfKeys: 1, lua: CHANGE });
    client.defineCommand(COMMANDS.block, { numberOfKeys: 1, lua: BLOCK });
    client.defineCommand(COMMANDS.peek, { numberOfKeys: 1, lua: PEEK });
  }

  async acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    const args: (string | number)[] = [now];
    for (const bucket of buckets) args.push(bucket.name, bucket.capacity, bucket.refillPerMs, costs[bucket.name] ?? 0);
    const [granted, wait, ...levels] = (await this.#call(COMMANDS.acquire)(this.#key(key), ...args)) as [number, string, ...string[]];
    if (Number(granted) === 1) {
      const remaining: Record<string, number> = {};
      buckets.forEach((bucket, index) => (remaining[bucket.name] = Number(levels[index])));
      return { granted: true, waitMs: 0, remaining };
    }
    const waitMs = Number(wait);
    return { granted: false, waitMs: waitMs < 0 ? Number.POSITIVE_INFINITY : waitMs };
  }

  async adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    await this.#call(COMMANDS.change)(this.#key(key), now, bucket.name, bucket.capacity, bucket.refillPerMs, delta, 'adjust');
  }

  async clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    await this.#call(COMMANDS.change)(this.#key(key), now, bucket.name, bucket.capacity, bucket.refillPerMs, tokens, 'clamp');
  }

  async blockUntil(key: string, untilMs: number): Promise<void> {
    // The port passes no `now`; the wall clock only sizes the key's expiry, never a decision.
    await this.#call(COMMANDS.block)(this.#key(key), Math.ceil(untilMs), Date.now());
  }

  async peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    const args: (string | number)[] = [now];
    for (const bucket of buckets) args.push(bucket.name, bucket.capacity, bucket.refillPerMs);
    const reply = (await this.#call(COMMANDS.peek)(this.#key(key), ...args)) as string[];
    const remaining: Record<string, number> = {};
    buckets.forEach((bucket, index) => (remaining[bucket.name] = Number(reply[index + 1])));
    return { remaining, blockedUntil: Number(reply[0]) };
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit().catch(() => undefined);
  }

  #key(key: string): string {
    return `${this.#prefix}:${key}`;
  }

  #call(name: string): ScriptCall {
    const command = (this.#client as unknown as Record<string, ScriptCall>)[name];
    if (!command) throw new Error(`redis command ${name} is not defined`);
    return command.bind(this.#client);
  }
}
