import type { Cluster, Redis } from 'ioredis';
import type { BudgetPeriod, BudgetStore, PeriodTotals, ReserveRequest, ReserveResult, SettleResult } from '../budget/budget-store.js';

/**
 * The budget ledger in Redis, shared by every replica. Each operation is one Lua script, so it
 * is atomic: no other client's reserve can run between a limit check and its booking. All keys
 * carry the hash tag `{fortitude:budget}` (configurable), so in Redis Cluster they live in one
 * slot and a script may touch all of them.
 *
 * Layout (T = the hash tag):
 * - `{T}:period:<key>` hash `spent`, `reserved` (integer nano-USD), expiring after the period;
 * - `{T}:reservations` hash id → `amount|periodKey\nperiodKey…`;
 * - `{T}:reservation-expiry` sorted set id → expiry (ms), swept by `reserve`.
 */

export interface RedisBudgetStoreOptions {
  /** Hash tag of every key (default `fortitude:budget`); tests use a unique one each. */
  hashTag?: string;
  /** Whether `close()` quits the client (default false: the caller owns it). */
  ownsClient?: boolean;
}

type RedisClient = Redis | Cluster;

/** Extra seconds the reservation structures outlive their newest reservation. */
const RESERVATION_KEYS_GRACE_MS = 86_400_000;

// Shared Lua: releases reservation `rid` from the period keys in KEYS[3..] it booked.
const DROP_RESERVATION = `
local function drop(rid)
  local data = redis.call('HGET', KEYS[1], rid)
  redis.call('ZREM', KEYS[2], rid)
  if not data then return 0 end
  redis.call('HDEL', KEYS[1], rid)
  local sep = string.find(data, '|', 1, true)
  local amount = tonumber(string.sub(data, 1, sep - 1))
  local booked = '\\n' .. string.sub(data, sep + 1) .. '\\n'
  for i = 3, #KEYS do
    -- Not for 0: '%.0f' of -0 is '-0', which HINCRBY refuses (a block settled down to nothing).
    if amount ~= 0 and string.find(booked, '\\n' .. KEYS[i] .. '\\n', 1, true) then
      redis.call('HINCRBY', KEYS[i], 'reserved', string.format('%.0f', -amount))
    end
  end
  return 1
end
-- Expiry relative to the caller's clock (so a caller whose clock differs from the server's
-- still keeps the period for its length); only ever extended.
local function keep(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
-- Adds amount (a decimal string) to every period's spend; period i's time to live is
-- ARGV[ttl_from + (i - 3) * ttl_step].
local function add_spent(amount, ttl_from, ttl_step)
  for i = 3, #KEYS do
    redis.call('HINCRBY', KEYS[i], 'spent', amount)
    redis.call('HSETNX', KEYS[i], 'reserved', '0')
    keep(KEYS[i], ARGV[ttl_from + (i - 3) * ttl_step])
  end
end
local function totals()
  local out = {}
  for i = 3, #KEYS do
    local values = redis.call('HMGET', KEYS[i], 'spent', 'reserved')
    out[#out + 1] = tonumber(values[1]) or 0
    out[#out + 1] = tonumber(values[2]) or 0
  end
  return out
end
`;

/**
 * KEYS: reservations, expiry set, period hashes. ARGV: id, amount, now, reservation expiry,
 * enforce (1/0), spend (1/0: book as spent, no reservation), then per period: limit, time to live
 * (ms). Returns {granted, refusedIndex, spent₁, reserved₁, …}.
 */
const RESERVE = `${DROP_RESERVATION}
local id = ARGV[1]
local amount = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local expires = tonumber(ARGV[4])
local enforce = ARGV[5] == '1'
local spend = ARGV[6] == '1'
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, rid in ipairs(expired) do drop(rid) end
local refused = 0
if enforce then
  for i = 3, #KEYS do
    local limit = tonumber(ARGV[7 + (i - 3) * 2])
    if limit >= 0 then
      local values = redis.call('HMGET', KEYS[i], 'spent', 'reserved')
      local committed = (tonumber(values[1]) or 0) + (tonumber(values[2]) or 0)
      if committed + amount > limit then refused = i - 2 break end
    end
  end
end
if refused == 0 and spend then
  add_spent(ARGV[2], 8, 2)
elseif refused == 0 then
  local booked = {}
  for i = 3, #KEYS do
    redis.call('HINCRBY', KEYS[i], 'reserved', ARGV[2])
    redis.call('HSETNX', KEYS[i], 'spent', '0')
    keep(KEYS[i], ARGV[8 + (i - 3) * 2])
    booked[#booked + 1] = KEYS[i]
  end
  redis.call('HSET', KEYS[1], id, ARGV[2] .. '|' .. table.concat(booked, '\\n'))
  redis.call('ZADD', KEYS[2], expires, id)
  local ttl = string.format('%.0f', expires - now + ${RESERVATION_KEYS_GRACE_MS})
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local out = totals()
table.insert(out, 1, refused)
table.insert(out, 1, refused == 0 and 1 or 0)
return out
`;

/** KEYS: reservations, expiry set, period hashes. ARGV: id, actual, then per period: time to live (ms). Returns {found, spent₁, reserved₁, …}. */
const RECONCILE = `${DROP_RESERVATION}
local found = drop(ARGV[1])
if tonumber(ARGV[2]) > 0 then add_spent(ARGV[2], 3, 1) end
local out = totals()
table.insert(out, 1, found)
return out
`;

/**
 * KEYS: reservations, expiry set, period hashes. ARGV: id, actual, then per period: time to live
 * (ms). Takes up to `actual` off the reservation (kept, smaller) and adds `actual` to `spent`.
 * Returns {found, spent₁, reserved₁, …}.
 */
const SETTLE_PART = `${DROP_RESERVATION}
local data = redis.call('HGET', KEYS[1], ARGV[1])
local actual = tonumber(ARGV[2])
local found = 0
if data then
  found = 1
  local sep = string.find(data, '|', 1, true)
  local amount = tonumber(string.sub(data, 1, sep - 1))
  local taken = math.min(amount, actual)
  local keys = string.sub(data, sep + 1)
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f', amount - taken) .. '|' .. keys)
  local booked = '\\n' .. keys .. '\\n'
  for i = 3, #KEYS do
    if taken ~= 0 and string.find(booked, '\\n' .. KEYS[i] .. '\\n', 1, true) then
      redis.call('HINCRBY', KEYS[i], 'reserved', string.format('%.0f', -taken))
    end
  end
end
if actual > 0 then add_spent(ARGV[2], 3, 1) end
local out = totals()
table.insert(out, 1, found)
return out
`;

/** KEYS: reservations, expiry set, period hashes. ARGV: id prefix. Returns how many were released. */
const RELEASE_ABANDONED = `${DROP_RESERVATION}
local prefix = ARGV[1]
local released = 0
for _, rid in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(rid, 1, #prefix) == prefix then released = released + drop(rid) end
end
return released
`;

/** KEYS: reservations, expiry set, period hashes. Read-only. */
const TOTALS = `${DROP_RESERVATION}
return totals()
`;

type ScriptCall = (numberOfKeys: number, ...args: (string | number)[]) => Promise<unknown>;

const COMMANDS = {
  reserve: 'fortitudeBudgetReserve',
  reconcile: 'fortitudeBudgetReconcile',
  settlePart: 'fortitudeBudgetSettlePart',
  releaseAbandoned: 'fortitudeBudgetReleaseAbandoned',
  totals: 'fortitudeBudgetTotals',
} as const;

export class RedisBudgetStore implements BudgetStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #ownsClient: boolean;

  constructor(client: RedisClient, options: RedisBudgetStoreOptions = {}) {
    this.#client = client;
    this.#prefix = `{${options.hashTag ?? 'fortitude:budget'}}`;
    this.#ownsClient = options.ownsClient ?? false;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection (script cache miss).
    client.defineCommand(COMMANDS.reserve, { lua: RESERVE });
    client.defineCommand(COMMANDS.reconcile, { lua: RECONCILE });
    client.defineCommand(COMMANDS.settlePart, { lua: SETTLE_PART });
    client.defineCommand(COMMANDS.releaseAbandoned, { lua: RELEASE_ABANDONED });
    client.defineCommand(COMMANDS.totals, { lua: TOTALS });
  }

  /** Every key this store writes starts with this (for tests that clean up). */
  get keyPrefix(): string {
    return this.#prefix;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const keys = this.#keys(request.periods);
    const args: (string | number)[] = [request.id, integer(request.amount), integer(request.now), integer(request.expiresAt), request.enforce ? '1' : '0', request.spend ? '1' : '0'];
    for (const period of request.periods) args.push(integer(period.limit), ttl(period, request.now));
    const reply = (await this.#call(COMMANDS.reserve)(keys.length, ...keys, ...args)) as number[];
    const refusedIndex = Number(reply[1]);
    const totals = this.#totals(request.periods, reply.slice(2));
    const granted = Number(reply[0]) === 1;
    return granted ? { granted, totals } : { granted, totals, refusedBy: request.periods[refusedIndex - 1]?.key ?? '' };
  }

  async reconcile(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    const keys = this.#keys(periods);
    const args = [id, integer(actual), ...periods.map((period) => ttl(period, now))];
    const reply = (await this.#call(COMMANDS.reconcile)(keys.length, ...keys, ...args)) as number[];
    return { found: Number(reply[0]) === 1, totals: this.#totals(periods, reply.slice(1)) };
  }

  async settlePart(id: string, periods: readonly BudgetPeriod[], actual: number, now: number): Promise<SettleResult> {
    const keys = this.#keys(periods);
    const args = [id, integer(actual), ...periods.map((period) => ttl(period, now))];
    const reply = (await this.#call(COMMANDS.settlePart)(keys.length, ...keys, ...args)) as number[];
    return { found: Number(reply[0]) === 1, totals: this.#totals(periods, reply.slice(1)) };
  }

  release(id: string, periods: readonly BudgetPeriod[], now: number): Promise<SettleResult> {
    return this.reconcile(id, periods, 0, now);
  }

  async releaseAbandoned(idPrefix: string, periods: readonly BudgetPeriod[]): Promise<number> {
    const keys = this.#keys(periods);
    return Number(await this.#call(COMMANDS.releaseAbandoned)(keys.length, ...keys, idPrefix));
  }

  async totals(periods: readonly BudgetPeriod[], _now: number): Promise<PeriodTotals[]> {
    const keys = this.#keys(periods);
    const reply = (await this.#call(COMMANDS.totals)(keys.length, ...keys)) as number[];
    return this.#totals(periods, reply);
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit().catch(() => undefined);
  }

  #keys(periods: readonly BudgetPeriod[]): string[] {
    return [`${this.#prefix}:reservations`, `${this.#prefix}:reservation-expiry`, ...periods.map((period) => `${this.#prefix}:period:${period.key}`)];
  }

  #totals(periods: readonly BudgetPeriod[], flat: readonly number[]): PeriodTotals[] {
    return periods.map((period, index) => ({ key: period.key, spent: Number(flat[index * 2] ?? 0), reserved: Number(flat[index * 2 + 1] ?? 0) }));
  }

  #call(name: string): ScriptCall {
    const command = (this.#client as unknown as Record<string, ScriptCall>)[name];
    if (!command) throw new Error(`redis command ${name} is not defined`);
    return command.bind(this.#client);
  }
}

/** Milliseconds the period's counters must live from `now` (at least a second). */
function ttl(period: BudgetPeriod, now: number): string {
  return integer(Math.max(1_000, period.expiresAt - now));
}

/** Integers as decimal strings: Lua's number formatting would switch to exponents past 1e14. */
function integer(value: number): string {
  return Math.round(value).toFixed(0);
}
