/**
 * Per-stage attribution of a `fortitude serve` worker's CPU profile (or sampling heap profile) on
 * the gateway path (issue 17: HTTP parse → auth → route → plan → reserve → limiter → breaker →
 * transport → parse → render → metrics → record), with a CPU and allocation budget per stage.
 * Used by profile-serve.ts `--stages`; pure (profiles in, totals out) so it can be tested on a
 * hand-made profile.
 *
 * Rule: a sample (or a heap profile node's own bytes) belongs to the nearest frame on its stack,
 * from the sampled frame upwards, whose file is under Fortitude's `dist/` (not a package's `dist/`
 * under node_modules), mapped through `STAGE_RULES`. So node's or undici's work called
 * synchronously from a stage counts in that stage (`sendBody` → `res.end` → `writev` is render;
 * the column `below` says how much of a stage is such work). A stack with no Fortitude frame goes
 * to a bucket by what it is (`nativeBucket`). A Fortitude file no rule maps is `other: <file>`.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber?: number;
}

/** The parts of a V8 `.cpuprofile` the attribution reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** A node of a V8 sampling heap profile (`HeapProfiler.stopSampling`'s `head`). */
export interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}

/**
 * The stages in the issue's order, then the buckets for stacks with no Fortitude frame, each with
 * its budget per request: CPU µs (profile samples, the worker's main thread) and bytes allocated
 * (sampled, scavenged objects included).
 *
 * Where the budgets come from: the issue's target is serve's CPU ≤ 2× a bare undici proxy's in
 * the same run. The proxy costs ~75–90 µs per request at saturation on this machine, most of it
 * node's HTTP server, undici and the kernel; so serve's whole budget is ~150–180 µs, and these
 * add up to 152: 74 for the buckets with no Fortitude frame (node's HTTP parse/write 25, undici
 * 20, ticks 6, GC 15, V8's own 8) — what the proxy pays too, at about its own cost — and 78 for
 * Fortitude's stages, split in proportion to the least each must do. Stages that touch bytes
 * (read and JSON-parse the body, encode the upstream request and hand it to undici, parse the
 * answer, render and write the response; the socket writes' syscalls count in transport and
 * render, see above) get 6–15 µs; lookups and counters over in-memory state (match a route,
 * check a key, pick a provider, reserve budget from a lease, take a rate-limit token, read
 * breaker state, bump counters, queue a record) get 2–5 µs, generous for a few map reads. Bytes (no target in the issue; the same 2× rule): node's and
 * undici's own objects are ~17 KB per request in serve (bench/RESULTS.md: node's HTTP response
 * path ~4.5 KB, undici's client ~8 KB, node 20's tick-queue `SafeMap` ~0.85 KB), which a bare
 * proxy allocates as well, so ~35 KB in all; the buckets with no Fortitude frame get what they
 * measure today (Fortitude can only shrink them by calling node and undici differently), and
 * Fortitude's stages the objects they must build (the exchange, the parsed body and
 * ChatRequest, the wire body string and undici's request, the parsed answer, the response JSON
 * and node's header block, one request record) and a few hundred bytes for each lookup stage.
 */
export const STAGES = [
  // Fortitude's request intake: the exchange, the body read, JSON.parse and validation of the chat body.
  { name: 'HTTP parse', micros: 8, bytes: 2_000 },
  // One stage for all the middleware before the handler: request id, security headers, request
  // timeout, Host/Origin check, CORS, auth (key check and failed-key throttle), per-key limits.
  { name: 'auth + middleware', micros: 4, bytes: 300 },
  // Route match and the handler's glue: the route, the gateway, the provider call's own frame, the request context.
  { name: 'route', micros: 5, bytes: 2_000 },
  // The router's plan (decide, model choice, route steering) and the provider catalog's lookups.
  { name: 'plan', micros: 4, bytes: 300 },
  // Budget reservation: price lookup, prompt-token estimate, the lease draw.
  { name: 'reserve', micros: 4, bytes: 500 },
  // The provider's rate limiter (and the provider's rate-limit headers it learns from).
  { name: 'limiter', micros: 3, bytes: 300 },
  { name: 'breaker', micros: 2, bytes: 200 },
  // Not in the list, kept apart rather than hidden in route: the fallback chain, the race
  // (hedging) and retries that wrap every call even when the first try answers.
  { name: 'fallback + retry', micros: 3, bytes: 1_000 },
  // Encoding the upstream request and handing it to undici (undici's synchronous dispatch and socket write included).
  { name: 'transport', micros: 15, bytes: 4_000 },
  // Reading the answer's body, JSON.parse and the wire format's response parsing.
  { name: 'parse', micros: 6, bytes: 2_000 },
  // The response JSON and headers, and node's writeHead/end with the socket write they start.
  { name: 'render', micros: 15, bytes: 3_500 },
  // Counters, histograms, provider statistics; logging counts here too.
  { name: 'metrics', micros: 4, bytes: 500 },
  // Request records, router learning (performance windows, journal), the writer thread hand-off.
  { name: 'record', micros: 5, bytes: 1_500 },
  // No Fortitude frame on the stack: what a bare proxy pays as well.
  { name: 'HTTP parse/write (node)', micros: 25, bytes: 6_000 },
  { name: 'transport (undici)', micros: 20, bytes: 8_500 },
  { name: 'promise/tick plumbing', micros: 6, bytes: 1_000 },
  { name: '(garbage collector)', micros: 15, bytes: undefined },
  { name: '(program)', micros: 8, bytes: undefined },
  // Heap profiles only: objects node's C++ makes with no JS on the stack (the HTTP parser's header arrays, read buffers).
  { name: '(V8 API)', micros: undefined, bytes: 1_000 },
  // Not serve's work: no budget, and left out of the busy total. `(profiler)`: the preload's
  // inspector session starting and stopping the profiler.
  { name: '(idle)', micros: undefined, bytes: undefined, idle: true },
  { name: '(profiler)', micros: undefined, bytes: undefined, idle: true },
] as const satisfies readonly { name: string; micros: number | undefined; bytes: number | undefined; idle?: true }[];

/** Fortitude's own stages (the rest are node's, undici's and V8's buckets). */
const OWN_STAGES: ReadonlySet<string> = new Set(STAGES.slice(0, STAGES.findIndex((stage) => stage.name === 'HTTP parse/write (node)')).map((stage) => stage.name));

/** The rows that are not serve's busy time. */
const NOT_BUSY: ReadonlySet<string> = new Set(STAGES.filter((stage) => 'idle' in stage).map((stage) => stage.name));

export type StageName = (typeof STAGES)[number]['name'];

/** Budget of each `other: …` row: unmapped work should be noise, or get a rule. */
export const OTHER_BUDGET = { micros: 1, bytes: 100 } as const;

/**
 * File (path under dist/, prefix match) → stage; with `fn`, only functions whose name matches.
 * First match wins, so function-specific rules come before their file's default. `inherit`: a
 * shared helper (clock, timers lists, core types, wire helpers) counts in the stage of its nearest
 * mapped caller; `stage` is used when it has none (called from a timer or node).
 */
export interface StageRule {
  file: string;
  fn?: RegExp;
  stage: StageName;
  inherit?: true;
}

export const STAGE_RULES: readonly StageRule[] = [
  // HTTP parse: the exchange and request body.
  { file: 'interface/http/http-server.js', fn: /^handleRoute$/, stage: 'route' },
  { file: 'interface/http/http-server.js', stage: 'HTTP parse' },
  { file: 'interface/http/exchange.js', fn: /^(sendBody|sendJson|addGatewayHeaders|overheadMs)$/, stage: 'render' },
  { file: 'interface/http/exchange.js', fn: /^familyOf$/, stage: 'HTTP parse' },
  { file: 'interface/http/exchange.js', stage: 'route' },
  { file: 'interface/http/in-flight.js', stage: 'HTTP parse' },
  { file: 'interface/http/read-body.js', stage: 'HTTP parse' },
  { file: 'interface/http/validate-input.js', stage: 'HTTP parse' },
  { file: 'interface/http/client-error.js', stage: 'HTTP parse' },
  { file: 'interface/http/openai/chat-request.js', stage: 'HTTP parse' },
  { file: 'interface/http/openai/embeddings.js', fn: /^render/, stage: 'render' },
  { file: 'interface/http/openai/embeddings.js', stage: 'HTTP parse' },
  { file: 'interface/http/anthropic/messages-request.js', stage: 'HTTP parse' },
  { file: 'interface/http/responses/responses-request.js', stage: 'HTTP parse' },
  { file: 'interface/http/api/', stage: 'HTTP parse' },
  // auth + middleware.
  { file: 'interface/http/middleware.js', stage: 'auth + middleware' },
  { file: 'interface/http/server-middleware.js', stage: 'auth + middleware' },
  { file: 'interface/http/request-id.js', stage: 'auth + middleware' },
  { file: 'interface/http/security-headers.js', stage: 'auth + middleware' },
  { file: 'interface/http/request-timeout.js', stage: 'auth + middleware' },
  { file: 'interface/http/host-allow-list.js', stage: 'auth + middleware' },
  { file: 'interface/http/cors.js', stage: 'auth + middleware' },
  { file: 'interface/http/auth.js', stage: 'auth + middleware' },
  { file: 'interface/http/failed-key-throttle.js', stage: 'auth + middleware' },
  { file: 'interface/http/rate-limiter.js', stage: 'auth + middleware' },
  { file: 'infrastructure/key-rate-limit/', stage: 'auth + middleware' },
  { file: 'pipeline/access/', stage: 'auth + middleware' },
  // route: match and handler glue.
  { file: 'interface/http/router.js', stage: 'route' },
  { file: 'interface/http/route-middleware.js', stage: 'route' },
  { file: 'interface/http/routes/gateway-stream.js', stage: 'render' },
  { file: 'interface/http/routes/', stage: 'route' },
  { file: 'pipeline/gateway.js', stage: 'route' },
  { file: 'pipeline/fortitude.js', stage: 'route' },
  { file: 'pipeline/create-fortitude.js', stage: 'route' },
  { file: 'pipeline/provider-call.js', fn: /^planFor$/, stage: 'plan' },
  { file: 'pipeline/provider-call.js', fn: /^reserve$/, stage: 'reserve' },
  { file: 'pipeline/provider-call.js', fn: /^record(Attempts|Success|Failure)$/, stage: 'record' },
  { file: 'pipeline/provider-call.js', stage: 'route' },
  { file: 'app/composition.js', fn: /^(onCall|onRateLimited)$/, stage: 'metrics' },
  { file: 'app/composition.js', fn: /^(write|recordLearning)$/, stage: 'record' },
  { file: 'app/composition.js', fn: /^(providerFor|modelFor|modelOf|has)$/, stage: 'plan' },
  { file: 'app/composition.js', stage: 'route' },
  { file: 'app/build-providers.js', fn: /^modelFor$/, stage: 'plan' },
  { file: 'app/component-options.js', fn: /^leases$/, stage: 'limiter' },
  { file: 'providers/provider.js', stage: 'route' },
  { file: 'providers/provider-stack.js', stage: 'route', inherit: true },
  { file: 'providers/request-layer.js', stage: 'route', inherit: true },
  { file: 'core/guarded-stream.js', stage: 'route' },
  { file: 'core/', stage: 'route', inherit: true },
  // plan: the router (its learning from outcomes is record).
  { file: 'pipeline/routing/router.js', fn: /^(record|recordQuality|recordFeedback|observeCall|observeQuality|seriesOf|applyChanges|checkLeader)$/, stage: 'record' },
  { file: 'pipeline/routing/performance-window.js', fn: /^(record|add|addCall|accumulate|prune|changePoint|bernoulliKl|emptyBucket)$/, stage: 'record' },
  { file: 'pipeline/routing/adaptations.js', stage: 'record' },
  { file: 'pipeline/routing/', stage: 'plan' },
  { file: 'operations/optimizer/route-steering.js', fn: /^(record|recordQuality|recordFeedback)$/, stage: 'record' },
  { file: 'operations/optimizer/route-steering.js', stage: 'plan' },
  { file: 'pipeline/classify/', stage: 'plan' },
  { file: 'providers/model-choice.js', stage: 'plan' },
  { file: 'providers/token-optimization.js', stage: 'plan' },
  // reserve: the budget.
  { file: 'pipeline/budget/', stage: 'reserve' },
  { file: 'infrastructure/budget/', stage: 'reserve' },
  { file: 'infrastructure/machine-state/sqlite-budget-store.js', stage: 'reserve' },
  { file: 'providers/prompt-tokens.js', stage: 'reserve' },
  // Token estimates serve the budget and the rate limiter's token limits: the caller's stage.
  { file: 'providers/rate-limit/token-estimator.js', stage: 'reserve', inherit: true },
  { file: 'wire/token-estimate.js', stage: 'reserve', inherit: true },
  // limiter.
  { file: 'providers/rate-limit/', stage: 'limiter' },
  { file: 'providers/rate-limit-headers.js', stage: 'limiter' },
  { file: 'infrastructure/machine-state/sqlite-rate-limit-store.js', stage: 'limiter' },
  // breaker.
  { file: 'providers/circuit-breaker/', stage: 'breaker' },
  // fallback + retry; the due-timer lists also hold the transport's total timeouts.
  { file: 'providers/fallback/due-timers.js', stage: 'fallback + retry', inherit: true },
  { file: 'providers/fallback/', stage: 'fallback + retry' },
  { file: 'providers/retry/', stage: 'fallback + retry' },
  // transport and parse.
  // A non-streaming body is joined, decoded and JSON-parsed by the call that is undici's handler (`#end`, `#settle`).
  { file: 'providers/http-transport.js', fn: /^(json|#end|#settle|#parse|#endErrorBody|utf8Text|decode)$/, stage: 'parse' },
  { file: 'providers/http-transport.js', stage: 'transport' },
  { file: 'providers/http-provider.js', fn: /^record$/, stage: 'metrics' },
  { file: 'providers/http-provider.js', stage: 'transport' },
  { file: 'providers/connection-pool.js', stage: 'transport' },
  { file: 'providers/transport-errors.js', stage: 'transport' },
  { file: 'providers/redact.js', stage: 'transport' },
  { file: 'providers/provider-kinds.js', stage: 'transport' },
  { file: 'providers/provider-definition.js', stage: 'transport' },
  { file: 'providers/cancel-signal.js', stage: 'transport', inherit: true },
  { file: 'providers/clock.js', stage: 'route', inherit: true },
  // The wire formats: building a request is transport, reading an answer is parse.
  { file: 'wire/sse.js', fn: /^formatSseEvent$/, stage: 'render' },
  { file: 'wire/sse.js', stage: 'parse' },
  { file: 'wire/anthropic/anthropic-request.js', stage: 'transport' },
  { file: 'wire/gemini/gemini-request.js', stage: 'transport' },
  { file: 'wire/gemini/gemini-schema.js', stage: 'transport' },
  { file: 'wire/openai/openai-json.js', fn: /^(toOpenAiMessage|toOpenAiPart|openAiRequestExtras)$/, stage: 'transport' },
  { file: 'wire/', fn: /^(build\w*|headers|geminiModelPath|refuseUnsupported)$/, stage: 'transport' },
  { file: 'wire/content-parts.js', stage: 'transport', inherit: true },
  { file: 'wire/wire-support.js', stage: 'parse', inherit: true },
  { file: 'wire/', stage: 'parse' },
  // render.
  { file: 'interface/http/openai/chat-response.js', stage: 'render' },
  { file: 'interface/http/anthropic/messages-response.js', stage: 'render' },
  { file: 'interface/http/responses/responses-response.js', stage: 'render' },
  { file: 'interface/http/send-error.js', stage: 'render' },
  { file: 'interface/http/error-status.js', stage: 'render' },
  { file: 'interface/http/sse-response.js', stage: 'render' },
  // metrics (and logs).
  { file: 'infrastructure/metrics/', stage: 'metrics' },
  { file: 'providers/stats/', stage: 'metrics' },
  { file: 'app/serve-worker.js', stage: 'metrics' },
  { file: 'interface/http/http-logger.js', stage: 'metrics' },
  { file: 'infrastructure/logging/', stage: 'metrics' },
  // record.
  { file: 'infrastructure/storage/', stage: 'record' },
  { file: 'infrastructure/machine-state/routing-journal.js', stage: 'record' },
  { file: 'infrastructure/machine-state/', stage: 'record', inherit: true },
  { file: 'infrastructure/routing/', stage: 'record' },
  { file: 'pipeline/stored-responses.js', stage: 'record' },
];

/** The path under Fortitude's dist/ of a frame's file; undefined for node, natives and packages (their own dist/ too). */
export function distPath(url: string): string | undefined {
  if (url.includes('/node_modules/')) return undefined;
  const at = url.lastIndexOf('/dist/');
  return at === -1 ? undefined : url.slice(at + '/dist/'.length);
}

function ruleFor(path: string, functionName: string, rules: readonly StageRule[]): StageRule | undefined {
  for (const rule of rules) if (path.startsWith(rule.file) && (rule.fn === undefined || rule.fn.test(functionName))) return rule;
  return undefined;
}

const PROFILER = /^node:inspector$|cpu-profile-preload\.cjs$/;
const NODE_HTTP = /^node:(_http_|net$|stream$|_stream|internal\/streams\/|internal\/stream_base_commons|internal\/http$|internal\/js_stream_socket)/;
const PLUMBING = /^node:(internal\/process\/(task_queues|promises)|internal\/timers|timers|internal\/async_hooks|async_hooks|internal\/fixed_queue)$/;
/** Metrics' own machinery called back by node: performance observers (GC entries for the GC metrics), prom-client, the log destination. */
const METRICS = /^node:internal\/perf\/|\/node_modules\/(prom-client|pino|sonic-boom|thread-stream)\//;
/** Messages from a worker thread: on this path, the SQLite writer thread's replies. */
const WORKER_MESSAGES = /^node:internal\/(worker|per_context\/messageport)$/;
const V8_BUCKETS = new Set(['(garbage collector)', '(idle)', '(program)', '(V8 API)']);

/**
 * The bucket of a stack with no Fortitude frame, by what is on it: V8's own pseudo-frames; the
 * profiler itself; undici anywhere on it (its parser, timers, callbacks); node's HTTP server,
 * sockets and streams; metrics' and logging's callbacks (metrics); worker-thread messages
 * (record); the microtask and tick queues, timers; else `other (node): <leaf's file or function>`.
 */
export function nativeBucket(frames: readonly CallFrame[]): string {
  const leaf = frames[0];
  if (leaf === undefined) return 'other (node): (empty stack)';
  if (leaf.url === '' && V8_BUCKETS.has(leaf.functionName)) return leaf.functionName;
  if (frames.some((frame) => PROFILER.test(frame.url))) return '(profiler)';
  if (frames.some((frame) => frame.url.includes('/node_modules/undici/'))) return 'transport (undici)';
  if (frames.some((frame) => NODE_HTTP.test(frame.url))) return 'HTTP parse/write (node)';
  if (frames.some((frame) => METRICS.test(frame.url))) return 'metrics';
  if (frames.some((frame) => WORKER_MESSAGES.test(frame.url))) return 'record';
  if (frames.some((frame) => PLUMBING.test(frame.url) || (frame.url === '' && (frame.functionName === 'runMicrotasks' || frame.functionName === 'processTicksAndRejections')))) {
    return 'promise/tick plumbing';
  }
  const where = leaf.url.replace(/^file:\/\/.*\/node_modules\//, '') || leaf.functionName || '(anonymous)';
  return `other (node): ${where}`;
}

export interface Attribution {
  stage: string;
  /** The sampled frame itself is not Fortitude's: node, a native or a package called from the stage. */
  below: boolean;
}

/** The stage of one stack, sampled frame first (see the module comment for the rule). */
export function stageOfStack(frames: readonly CallFrame[], rules: readonly StageRule[] = STAGE_RULES): Attribution {
  const leafInDist = frames[0] !== undefined && distPath(frames[0].url) !== undefined;
  let inherited: StageName | undefined;
  for (const frame of frames) {
    const path = distPath(frame.url);
    if (path === undefined) continue;
    const rule = ruleFor(path, frame.functionName, rules);
    if (rule === undefined) return { stage: `other: ${path}`, below: !leafInDist };
    if (rule.inherit) {
      inherited ??= rule.stage;
      continue;
    }
    return { stage: rule.stage, below: !leafInDist };
  }
  if (inherited !== undefined) return { stage: inherited, below: !leafInDist };
  // Node's or a package's work for a stage (metrics' GC observers, the writer thread's replies) is below it.
  const stage = nativeBucket(frames);
  return { stage, below: OWN_STAGES.has(stage) };
}

export interface StageTotal {
  /** µs (CPU profile) or bytes (heap profile). */
  value: number;
  /** The part of `value` whose sampled frame is not Fortitude's own code (see `Attribution.below`). */
  below: number;
}

function add(totals: Map<string, StageTotal>, attribution: Attribution, value: number): void {
  let total = totals.get(attribution.stage);
  if (total === undefined) totals.set(attribution.stage, (total = { value: 0, below: 0 }));
  total.value += value;
  if (attribution.below) total.below += value;
}

/** Sampled µs per stage of a CPU profile (each sample weighs its time delta, as profile-serve's function tables count it). */
export function cpuByStage(profile: CpuProfile, rules: readonly StageRule[] = STAGE_RULES): Map<string, StageTotal> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, Attribution>();
  const attributionOf = (id: number): Attribution => {
    let attribution = memo.get(id);
    if (attribution === undefined) {
      const frames: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
      attribution = stageOfStack(frames, rules);
      memo.set(id, attribution);
    }
    return attribution;
  };
  const totals = new Map<string, StageTotal>();
  for (let index = 0; index < profile.samples.length; index++) add(totals, attributionOf(profile.samples[index]!), profile.timeDeltas[index] ?? 0);
  return totals;
}

/** Sampled bytes per stage of a heap profile: each node's own bytes, by its stack. */
export function allocationsByStage(head: HeapProfileNode, rules: readonly StageRule[] = STAGE_RULES): Map<string, StageTotal> {
  const totals = new Map<string, StageTotal>();
  const stack: CallFrame[] = [];
  const walk = (node: HeapProfileNode): void => {
    stack.push(node.callFrame);
    if (node.selfSize > 0) add(totals, stageOfStack([...stack].reverse(), rules), node.selfSize);
    for (const child of node.children) walk(child);
    stack.pop();
  };
  walk(head);
  return totals;
}

export interface StageRow {
  stage: string;
  /** CPU µs per request (see `stageTable`'s `cpuMicros`); undefined without a CPU profile. */
  microsPerRequest?: number;
  /** Of which not Fortitude's own frames (node, natives, packages called from the stage). */
  belowMicrosPerRequest?: number;
  /** Share of busy sampled time, %; undefined for `(idle)` and `(profiler)`. */
  busyPercent?: number;
  /** Share of all samples, %. */
  sampledPercent?: number;
  /** Bytes allocated per request; undefined without a heap profile. */
  bytesPerRequest?: number;
  budgetMicros?: number;
  budgetBytes?: number;
  /** Whether every measured figure is within its budget; undefined when nothing measured has one. */
  withinBudget?: boolean;
}

/**
 * The table: every stage in order (measured or not), then `other…` rows by size, then a total.
 * `cpu` in sampled µs over the profile, `bytes` over the heap profile, both divided by `requests`.
 *
 * `cpuMicros`: the CPU time the profiled thread used meanwhile (from /proc). The profiler samples
 * wall-clock time, so on a shared machine a sample also counts the time the thread waited for a
 * core; with `cpuMicros`, each busy stage gets its share of the busy samples times that CPU time
 * instead, and the not-busy rows (idle, the profiler) only their share of the samples.
 */
export function stageTable(requests: number, cpu: Map<string, StageTotal> | undefined, bytes: Map<string, StageTotal> | undefined, options: { cpuMicros?: number } = {}): StageRow[] {
  const perRequest = (value: number) => value / Math.max(1, requests);
  const busy = cpu === undefined ? 0 : [...cpu].reduce((sum, [stage, total]) => (NOT_BUSY.has(stage) ? sum : sum + total.value), 0);
  const sampled = cpu === undefined ? 0 : [...cpu.values()].reduce((sum, total) => sum + total.value, 0);
  const scale = options.cpuMicros === undefined || busy === 0 ? 1 : options.cpuMicros / busy;
  const known = new Set<string>(STAGES.map((stage) => stage.name));
  const others = new Set<string>([...(cpu?.keys() ?? []), ...(bytes?.keys() ?? [])].filter((stage) => !known.has(stage)));
  const size = (stage: string) => cpu?.get(stage)?.value ?? bytes?.get(stage)?.value ?? 0;
  const budgets: { name: string; micros: number | undefined; bytes: number | undefined }[] = [
    ...STAGES,
    ...[...others].sort((a, b) => size(b) - size(a)).map((name) => ({ name, ...OTHER_BUDGET })),
  ];
  const rows = budgets.map(({ name, micros, bytes: budgetBytes }): StageRow => {
    const row: StageRow = { stage: name };
    const checks: boolean[] = [];
    if (cpu !== undefined) {
      const total = cpu.get(name) ?? { value: 0, below: 0 };
      row.sampledPercent = sampled === 0 ? 0 : (100 * total.value) / sampled;
      if (!NOT_BUSY.has(name)) row.busyPercent = busy === 0 ? 0 : (100 * total.value) / busy;
      if (!NOT_BUSY.has(name) || options.cpuMicros === undefined) {
        row.microsPerRequest = perRequest(total.value * scale);
        row.belowMicrosPerRequest = perRequest(total.below * scale);
        if (micros !== undefined) checks.push(row.microsPerRequest <= micros);
      }
    }
    if (bytes !== undefined) {
      row.bytesPerRequest = perRequest(bytes.get(name)?.value ?? 0);
      if (budgetBytes !== undefined) checks.push(row.bytesPerRequest <= budgetBytes);
    }
    if (cpu !== undefined && micros !== undefined) row.budgetMicros = micros;
    if (bytes !== undefined && budgetBytes !== undefined) row.budgetBytes = budgetBytes;
    if (checks.length > 0) row.withinBudget = checks.every(Boolean);
    return row;
  });
  const total: StageRow = { stage: cpu === undefined ? 'total' : 'total (busy)' };
  const sum = (field: 'microsPerRequest' | 'belowMicrosPerRequest' | 'bytesPerRequest') => rows.reduce((acc, row) => acc + (NOT_BUSY.has(row.stage) ? 0 : (row[field] ?? 0)), 0);
  const budgetSum = (field: 'budgetMicros' | 'budgetBytes') => rows.reduce((acc, row) => acc + (row.stage.startsWith('other') ? 0 : (row[field] ?? 0)), 0);
  if (cpu !== undefined) {
    total.microsPerRequest = sum('microsPerRequest');
    total.belowMicrosPerRequest = sum('belowMicrosPerRequest');
    total.busyPercent = 100;
    total.sampledPercent = sampled === 0 ? 0 : (100 * busy) / sampled;
    total.budgetMicros = budgetSum('budgetMicros');
  }
  if (bytes !== undefined) {
    total.bytesPerRequest = sum('bytesPerRequest');
    total.budgetBytes = budgetSum('budgetBytes');
  }
  const checks = [
    ...(total.microsPerRequest === undefined ? [] : [total.microsPerRequest <= total.budgetMicros!]),
    ...(total.bytesPerRequest === undefined ? [] : [total.bytesPerRequest <= total.budgetBytes!]),
  ];
  if (checks.length > 0) total.withinBudget = checks.every(Boolean);
  return [...rows, total];
}

/** The table as text, one row per line; columns only for what was measured. */
export function formatStageTable(rows: readonly StageRow[]): string {
  const cpu = rows.some((row) => row.sampledPercent !== undefined);
  const bytes = rows.some((row) => row.bytesPerRequest !== undefined);
  const width = Math.max(...rows.map((row) => row.stage.length), 5);
  const number = (value: number | undefined, digits: number, pad: number) => (value === undefined ? '–' : value.toFixed(digits)).padStart(pad);
  const header = [
    'stage'.padEnd(width),
    ...(cpu ? ['µs/req'.padStart(8), 'below'.padStart(7), '% busy'.padStart(7), '% all'.padStart(6), 'budget'.padStart(7)] : []),
    ...(bytes ? ['B/req'.padStart(8), 'budget'.padStart(7)] : []),
    '',
  ].join('  ');
  const lines = rows.map((row) =>
    [
      row.stage.padEnd(width),
      ...(cpu ? [number(row.microsPerRequest, 1, 8), number(row.belowMicrosPerRequest, 1, 7), number(row.busyPercent, 1, 7), number(row.sampledPercent, 1, 6), number(row.budgetMicros, 0, 7)] : []),
      ...(bytes ? [number(row.bytesPerRequest, 0, 8), number(row.budgetBytes, 0, 7)] : []),
      row.withinBudget === undefined ? '' : row.withinBudget ? '✓' : '✗',
    ].join('  '),
  );
  return [header, ...lines].join('\n');
}
