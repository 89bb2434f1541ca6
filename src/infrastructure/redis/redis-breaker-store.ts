import type { Cluster, Redis } from 'ioredis';
import type { Admission, BreakerOutcome, BreakerPolicy, BreakerSnapshot, BreakerStateName } from '../../providers/circuit-breaker/breaker-state.js';
import type { BreakerStore } from '../../providers/circuit-breaker/breaker-store.js';
import { MemoryBreakerStore } from '../../providers/circuit-breaker/memory-breaker-store.js';
import type { RedisAvailability } from './redis-connection.js';

/**
 * Circuit-breaker state in Redis, so every replica sees one breaker per provider: when one
 * replica's calls open it, the others stop sending too, and one probe (not one per replica)
 * tests the provider when the open period ends. Each method is one Lua script over one hash —
 * the transitions of `breaker-state.ts`, reimplemented — so it is atomic, and since a script
 * touches a single key it runs unchanged in Redis Cluster. The provider key is the hash tag
 * (`<prefix>:breaker:{<key>}`), so breakers spread over slots.
 *
 * Two differences from the in-process breaker, both because a replica can die holding state:
 * a half-open probe slot is a lease (`probeLeaseMs`, default the open period) — a replica killed
 * mid-probe cannot leave the breaker refusing forever — and the hash expires once nothing in it
 * matters any more (window and open period passed), so an idle provider costs nothing.
 *
 * A closed breaker is remembered for `admitFromMemoryMs`, so the healthy path costs no
 * round-trip to admit (only the fire-and-forget record of the outcome).
 *
 * When Redis fails, the store answers from a process-local breaker instead of failing the call:
 * a breaker protects the provider, and refusing every call because Redis blinked would be the
 * outage it exists to prevent. `degradedCalls()` counts those answers. With `redis` (the shared
 * connection's circuit) a known outage costs no round-trip: the local breaker answers at once.
 * When Redis returns its state is authoritative again; what the local breaker learnt is dropped
 * (a provider still failing re-opens the shared breaker within its failure threshold).
 */

export interface RedisBreakerStoreOptions {
  /** Key prefix (default `fortitude`); keys are `<prefix>:breaker:{<key>}`. */
  keyPrefix?: string;
  /** How long a half-open probe slot is held before another replica may probe (default: the open period). */
  probeLeaseMs?: number;
  /**
   * While the last answer Redis gave this process was "closed" and is younger than this, calls
   * are admitted without asking Redis (default 1 s; 0 asks every time). Saves a round-trip per
   * call on the healthy path; a breaker another replica opened is seen within this time (or at
   * this replica's next recorded outcome). Open and half-open states always ask Redis.
   */
  admitFromMemoryMs?: number;
  /** Whether `close()` quits the client (default false: the caller owns it). */
  ownsClient?: boolean;
  /** Called when Redis fails and the local fallback answered. */
  onDegraded?(error: unknown): void;
  /** The shared connection's circuit: while it is open the local breaker answers without asking Redis. */
  redis?: RedisAvailability;
}

type RedisClient = Redis | Cluster;

const WINDOW_BUCKETS = 10;

/**
 * KEYS[1]: the breaker hash. ARGV: op (`admit` | `record` | `snapshot`), now, failureThreshold,
 * errorRateThreshold, minimumRequests, windowMs, openDurationMs, halfOpenMaxProbes, probeLeaseMs,
 * then for `record`: outcome, probe (1/0).
 * Returns admit: {allowed, probe, retryAfterMs}; record: the state after it; snapshot: {state, consecutiveFailures,
 * windowRequests, windowFailures, retryAfterMs, probesInFlight}.
 */
const BREAKER = `
local op = ARGV[1]
local now = tonumber(ARGV[2])
local failureThreshold = tonumber(ARGV[3])
local errorRateThreshold = tonumber(ARGV[4])
local minimumRequests = tonumber(ARGV[5])
local windowMs = tonumber(ARGV[6])
local openDurationMs = tonumber(ARGV[7])
local halfOpenMaxProbes = tonumber(ARGV[8])
local probeLeaseMs = tonumber(ARGV[9])
local bucketMs = math.max(1, windowMs / ${WINDOW_BUCKETS})

local h = redis.call('HMGET', KEYS[1], 'state', 'cf', 'oa', 'pf', 'pl', 'w')
local state = h[1] or 'closed'
local cf = tonumber(h[2]) or 0
local openedAt = tonumber(h[3]) or 0
local probes = tonumber(h[4]) or 0
local leaseUntil = tonumber(h[5]) or 0
local window = {}
local oldest = math.floor(now / bucketMs) - ${WINDOW_BUCKETS} + 1
for i, r, f in string.gmatch(h[6] or '', '(%-?%d+):(%d+):(%d+)') do
  if tonumber(i) >= oldest then window[#window + 1] = { tonumber(i), tonumber(r), tonumber(f) } end
end
local function totals()
  local requests, failures = 0, 0
  for _, bucket in ipairs(window) do
    requests = requests + bucket[2]
    failures = failures + bucket[3]
  end
  return requests, failures
end
local function save()
  local parts = {}
  for _, bucket in ipairs(window) do parts[#parts + 1] = string.format('%.0f:%.0f:%.0f', bucket[1], bucket[2], bucket[3]) end
  redis.call('HSET', KEYS[1], 'state', state, 'cf', cf, 'oa', string.format('%.0f', openedAt), 'pf', probes,
    'pl', string.format('%.0f', leaseUntil), 'w', table.concat(parts, ','))
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(windowMs, openDurationMs) + probeLeaseMs + 60000))
end
local function open()
  state = 'open'
  openedAt = now
  probes = 0
end

if op == 'admit' then
  if state == 'open' then
    local remaining = openedAt + openDurationMs - now
    if remaining > 0 then return { 0, 0, math.ceil(remaining) } end
    state = 'half_open'
    probes = 0
  end
  if state == 'half_open' then
    -- A probe whose replica died never reports back: its slot lapses with the lease.
    if probes > 0 and now >= leaseUntil then probes = 0 end
    if probes >= halfOpenMaxProbes then
      save()
      return { 0, 0, math.ceil(math.min(1000, openDurationMs)) }
    end
    probes = probes + 1
    leaseUntil = now + probeLeaseMs
    save()
    return { 1, 1, 0 }
  end
  return { 1, 0, 0 }
end

if op == 'record' then
  local outcome = ARGV[10]
  if ARGV[11] == '1' then
    probes = math.max(0, probes - 1)
    if state == 'half_open' then
      if outcome == 'success' then
        state = 'closed'
        cf = 0
        window = {}
      elseif outcome == 'failure' then
        open()
      end
    end
    save()
    return state
  end
  if outcome == 'neutral' then return state end
  local index = math.floor(now / bucketMs)
  local last = window[#window]
  if not last or last[1] ~= index then
    last = { index, 0, 0 }
    window[#window + 1] = last
  end
  last[2] = last[2] + 1
  if outcome == 'failure' then last[3] = last[3] + 1 end
  if state == 'closed' then
    if outcome == 'success' then
      cf = 0
    else
      cf = cf + 1
      local requests, failures = totals()
      local ratioTripped = requests >= minimumRequests and failures / requests >= errorRateThreshold
      if cf >= failureThreshold or ratioTripped then open() end
    end
  end
  save()
  return state
end

-- snapshot (read-only)
local requests, failures = totals()
local remaining = openedAt + openDurationMs - now
local effective = state
if state == 'open' and remaining <= 0 then effective = 'half_open' end
if effective ~= 'open' then remaining = 0 end
return { effective, cf, requests, failures, math.ceil(remaining), probes }
`;

type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<unknown>;

const COMMAND = 'fortitudeBreaker';

export class RedisBreakerStore implements BreakerStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #options: RedisBreakerStoreOptions;
  readonly #fallback = new MemoryBreakerStore();
  /** When Redis last said "closed" for a key (ms, caller's clock). */
  readonly #closedAt = new Map<string, number>();
  #degraded = 0;

  constructor(client: RedisClient, options: RedisBreakerStoreOptions = {}) {
    this.#client = client;
    this.#prefix = options.keyPrefix ?? 'fortitude';
    this.#options = options;
    client.defineCommand(COMMAND, { numberOfKeys: 1, lua: BREAKER });
  }

  async admit(key: string, policy: BreakerPolicy, now: number): Promise<Admission> {
    const closedAt = this.#closedAt.get(key);
    if (closedAt !== undefined && now - closedAt < (this.#options.admitFromMemoryMs ?? 1_000) && now >= closedAt) return { allowed: true, probe: false };
    if (!(await this.#usable())) return this.#fallback.admitNow(key, policy, now);
    try {
      const [allowed, probe, retryAfterMs] = (await this.#run(key, 'admit', policy, now)) as [number, number, number];
      this.#remember(key, allowed === 1 && probe !== 1 ? 'closed' : 'open', now);
      return allowed === 1 ? { allowed: true, probe: probe === 1 } : { allowed: false, retryAfterMs: Number(retryAfterMs) };
    } catch (error) {
      this.#degrade(error);
      return this.#fallback.admitNow(key, policy, now);
    }
  }

  async record(key: string, policy: BreakerPolicy, outcome: BreakerOutcome, probe: boolean, now: number): Promise<void> {
    if (!(await this.#usable())) return this.#fallback.recordNow(key, policy, outcome, probe, now);
    try {
      this.#remember(key, String(await this.#run(key, 'record', policy, now, outcome, probe ? 1 : 0)), now);
    } catch (error) {
      this.#degrade(error);
      this.#fallback.recordNow(key, policy, outcome, probe, now);
    }
  }

  async snapshot(key: string, policy: BreakerPolicy, now: number): Promise<BreakerSnapshot> {
    if (!(await this.#usable())) return this.#fallback.snapshot(key, policy, now);
    try {
      const reply = (await this.#run(key, 'snapshot', policy, now)) as [string, number, number, number, number, number];
      return {
        state: reply[0] as BreakerStateName,
        consecutiveFailures: Number(reply[1]),
        windowRequests: Number(reply[2]),
        windowFailures: Number(reply[3]),
        retryAfterMs: Number(reply[4]),
        probesInFlight: Number(reply[5]),
      };
    } catch (error) {
      this.#degrade(error);
      return this.#fallback.snapshot(key, policy, now);
    }
  }

  #remember(key: string, state: string, now: number): void {
    if (state === 'closed') this.#closedAt.set(key, now);
    else this.#closedAt.delete(key);
  }

  /** Answers given by the process-local fallback because Redis failed. */
  degradedCalls(): number {
    return this.#degraded;
  }

  async close(): Promise<void> {
    await this.#fallback.close();
    if (this.#options.ownsClient) await this.#client.quit().catch(() => undefined);
  }

  #run(key: string, op: string, policy: BreakerPolicy, now: number, ...extra: (string | number)[]): Promise<unknown> {
    const command = (this.#client as unknown as Record<string, ScriptCall>)[COMMAND];
    if (!command) throw new Error(`redis command ${COMMAND} is not defined`);
    return command.call(
      this.#client,
      `${this.#prefix}:breaker:{${key}}`,
      op,
      Math.floor(now),
      policy.failureThreshold,
      policy.errorRateThreshold,
      policy.minimumRequests,
      policy.windowMs,
      policy.openDurationMs,
      policy.halfOpenMaxProbes,
      this.#options.probeLeaseMs ?? policy.openDurationMs,
      ...extra,
    );
  }

  async #usable(): Promise<boolean> {
    const redis = this.#options.redis;
    if (!redis || redis.available || (await redis.admit())) return true;
    this.#degraded++;
    return false;
  }

  #degrade(error: unknown): void {
    this.#options.redis?.failed(error);
    this.#degraded++;
    this.#options.onDegraded?.(error);
  }
}
