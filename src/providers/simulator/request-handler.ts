import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { estimateTokens } from '../../wire/token-estimate.js';
import { replyTo } from './answer/agent-reply.js';
import type { AnswerGenerator } from './answer/answer-generator.js';
import { buildCompletion, promptTokens } from './completion.js';
import { embedText } from './embedding-vectors.js';
import { isSimResponse, type ChatCall, type EmbedCall, type Operation, type SimFormat, type SimResponse, type SimulatorFormat } from './formats/sim-format.js';
import { drawScenario, isQualityMode, isScenario, SCENARIO_HEADER, type Scenario } from './scenario.js';
import type { Random } from '../../core/seeded-random.js';
import { sampleLatency, type SimulatorProfile } from './simulator-profile.js';
import { recordStatus, type SimulatorStats } from './simulator-stats.js';
import { writeStream } from './stream-writer.js';
import type { TimerSet } from './timer-set.js';

/** One simulated provider's live state. */
export interface SimProvider {
  readonly name: string;
  /** The provider kind it simulates; kinds that share a wire format share a `format`. */
  readonly kind: SimulatorFormat;
  readonly format: SimFormat;
  profile: SimulatorProfile;
  readonly random: Random;
  stats: SimulatorStats;
  /** Fixed one-minute window for `requestsPerMinute`. */
  window: { start: number; count: number };
}

export interface HandlerDeps {
  providers: ReadonlyMap<string, SimProvider>;
  answers: AnswerGenerator;
  timers: TimerSet;
  /** Milliseconds; injectable for tests of the per-minute window. */
  now: () => number;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const UNKNOWN_PROVIDER = JSON.stringify({ error: { message: 'No simulated provider at this path prefix.', type: 'not_found' } });

interface Outcome {
  scenario: Scenario;
  retryAfterSeconds: number;
}

interface Parsed {
  call?: ChatCall;
  embed?: EmbedCall;
}

export function createRequestHandler(deps: HandlerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  // Ids are unique across requests, simulator instances and processes (serve workers each run
  // one): a random instance part, then a counter.
  const instance = randomBytes(6).toString('hex');
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}sim${instance}${(++sequence).toString(36).padStart(8, '0')}`;

  function send(provider: SimProvider, response: ServerResponse, reply: SimResponse): void {
    recordStatus(provider.stats, reply.status);
    if (response.destroyed) return;
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }

  function chooseOutcome(provider: SimProvider, request: IncomingMessage): Outcome | SimResponse {
    const profile = provider.profile;
    let retryAfterSeconds = profile.retryAfterSeconds;
    let limited = false;
    if (profile.requestsPerMinute > 0) {
      const now = deps.now();
      if (now - provider.window.start >= 60_000) provider.window = { start: now, count: 0 };
      provider.window.count++;
      if (provider.window.count > profile.requestsPerMinute) {
        limited = true;
        retryAfterSeconds = Math.max(1, Math.ceil((provider.window.start + 60_000 - now) / 1000));
      }
    }
    const forced = request.headers[SCENARIO_HEADER];
    if (typeof forced === 'string' && forced !== '') {
      if (!isScenario(forced)) {
        return provider.format.error('bad_request', { message: `Unknown ${SCENARIO_HEADER}: ${forced}` });
      }
      return { scenario: forced, retryAfterSeconds };
    }
    if (limited) return { scenario: 'rate_limit', retryAfterSeconds };
    return { scenario: drawScenario(profile, provider.random), retryAfterSeconds };
  }

  function resetConnection(socket: Socket): void {
    // A TCP RST, like a proxy or load balancer dropping the connection.
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  /** Parses and validates the body for the operation, as the real API would. */
  function parseCall(provider: SimProvider, operation: Operation, raw: string): Parsed | SimResponse {
    const format = provider.format;
    if (operation.kind === 'models') return {};
    let body: unknown;
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      return format.error('invalid_json');
    }
    if (operation.kind === 'embed') {
      const embed = format.parseEmbed(body, operation);
      return isSimResponse(embed) ? embed : { embed };
    }
    const isCount = operation.kind === 'count_tokens';
    const chatOperation = isCount ? { kind: 'chat' as const, stream: false, sse: false, model: operation.model ?? '' } : operation;
    // Token counting takes a message request without `max_tokens`.
    const parsed = format.parseChat(isCount && typeof body === 'object' && body !== null ? { max_tokens: 1, ...body } : body, chatOperation);
    if (isSimResponse(parsed)) return parsed;
    if (provider.profile.streamUsage !== undefined) parsed.usageStyle = provider.profile.streamUsage;
    return { call: parsed };
  }

  /** Answers the failure scenarios; false when the request should be answered normally. */
  function fail(provider: SimProvider, outcome: Outcome, model: string, latency: number, request: IncomingMessage, response: ServerResponse): boolean {
    const { format, stats } = provider;
    const later = (reply: SimResponse) => deps.timers.after(latency, () => send(provider, response, reply));
    switch (outcome.scenario) {
      case 'not_found':
        send(provider, response, format.error('model_not_found', { model }));
        return true;
      case 'hang':
        stats.hangs++;
        return true;
      case 'reset':
        stats.resets++;
        resetConnection(request.socket);
        return true;
      case 'error_500':
        later(format.error('server_error'));
        return true;
      case 'error_503':
        later(format.error('unavailable'));
        return true;
      case 'overloaded':
        later(format.error('overloaded'));
        return true;
      case 'rate_limit':
        later(format.error('rate_limit', { retryAfterSeconds: outcome.retryAfterSeconds, model, limit: provider.profile.requestsPerMinute || 500 }));
        return true;
      default:
        return false;
    }
  }

  function respond(
    provider: SimProvider,
    operation: Operation,
    request: IncomingMessage,
    response: ServerResponse,
    raw: string,
    query: URLSearchParams,
  ): void {
    const format = provider.format;
    if (format.requiresKey && !format.hasKey(request.headers, query)) return send(provider, response, format.error('missing_key'));
    const headerProblem = format.checkHeaders(request.headers);
    if (headerProblem !== undefined) return send(provider, response, headerProblem);

    const outcome = chooseOutcome(provider, request);
    if (isSimResponse(outcome)) return send(provider, response, outcome);
    if (outcome.scenario === 'unauthorized') return send(provider, response, format.error('invalid_key'));
    if (outcome.scenario === 'bad_request') {
      const message = `Simulated bad request (${SCENARIO_HEADER}: bad_request).`;
      return send(provider, response, format.error('bad_request', { message }));
    }
    const parsed = parseCall(provider, operation, raw);
    if (isSimResponse(parsed)) return send(provider, response, parsed);

    const { call, embed } = parsed;
    const latency = sampleLatency(provider.profile.latencyMs, provider.random);
    if (fail(provider, outcome, call?.model ?? embed?.model ?? '', latency, request, response)) return;

    const ok = (body: string): SimResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body });
    switch (operation.kind) {
      case 'models':
        return deps.timers.after(latency, () => send(provider, response, format.models(operation)));
      case 'count_tokens': {
        const tokens = promptTokens(call?.messages ?? []);
        return send(provider, response, ok(format.countTokensJson(tokens)));
      }
      case 'embed': {
        if (embed === undefined) return;
        const vectors = embed.inputs.map((text) => embedText(text, embed.dimensions));
        const tokens = embed.inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
        provider.stats.embeddings++;
        provider.stats.inputTokens += tokens;
        const reply = ok(format.embedJson(embed, vectors, tokens, operation.single));
        return deps.timers.after(latency, () => send(provider, response, reply));
      }
      case 'chat':
        if (call !== undefined) respondChat(provider, operation, call, outcome.scenario, latency, request, response);
    }
  }

  function respondChat(
    provider: SimProvider,
    operation: Extract<Operation, { kind: 'chat' }>,
    call: ChatCall,
    scenario: Scenario,
    latency: number,
    request: IncomingMessage,
    response: ServerResponse,
  ): void {
    const { format, profile, stats } = provider;
    const mode = isQualityMode(scenario) ? scenario : profile.quality;
    const prefix = format.toolCallIdPrefix;
    const reply = replyTo(call, deps.answers, mode, () => (prefix === undefined ? '' : nextId(prefix)));
    const ids = { id: nextId(format.idPrefix), created: Math.floor(Date.now() / 1000) };
    const completion = buildCompletion(call, reply.answer, ids, scenario === 'content_filter', reply.toolCalls);
    stats.chat++;
    stats.inputTokens += completion.inputTokens;
    stats.outputTokens += completion.outputTokens;
    const timeToFirstToken = sampleLatency(profile.timeToFirstTokenMs, provider.random);

    if (call.stream && (operation.sse || format.streamAsJsonArray === undefined)) {
      stats.streams++;
      const ending = scenario === 'truncate' ? 'truncate' : scenario === 'stream_error' ? 'error' : 'complete';
      if (ending === 'truncate') stats.truncated++;
      if (ending === 'error') stats.streamErrors++;
      return deps.timers.after(latency, () => {
        if (response.destroyed) return;
        recordStatus(stats, 200);
        response.writeHead(200, { 'content-type': format.stream.contentType, 'cache-control': 'no-cache' });
        const plan = { timeToFirstTokenMs: timeToFirstToken, tokensPerSecond: profile.tokensPerSecond, ending } as const;
        writeStream(response, format.stream, call, completion, plan, deps.timers);
      });
    }

    // Gemini's streamGenerateContent without alt=sse answers with one JSON array.
    const body =
      call.stream && format.streamAsJsonArray !== undefined ? format.streamAsJsonArray(call, completion) : format.chatJson(call, completion);
    const generation = profile.tokensPerSecond > 0 ? (completion.outputTokens * 1000) / profile.tokensPerSecond : 0;
    // A plain response arrives when the whole answer has been generated.
    const wait = latency + timeToFirstToken + generation;
    if (scenario === 'truncate' || scenario === 'stream_error') {
      stats.truncated++;
      return deps.timers.after(wait, () => {
        if (response.destroyed) return;
        recordStatus(stats, 200);
        // Announce the full length, send half, drop the connection: a body cut mid-answer.
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        response.write(body.slice(0, Math.floor(body.length / 2)), () => request.socket.destroy());
      });
    }
    deps.timers.after(wait, () => send(provider, response, { status: 200, headers: { 'content-type': 'application/json' }, body }));
  }

  return (request, response) => {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const slash = path.indexOf('/', 1);
    const provider = deps.providers.get(slash === -1 ? path.slice(1) : path.slice(1, slash));
    if (provider === undefined) {
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(UNKNOWN_PROVIDER);
      return;
    }
    const stats = provider.stats;
    stats.requests++;
    stats.inFlight++;
    response.once('close', () => {
      stats.inFlight--;
    });
    const rest = slash === -1 ? '' : path.slice(slash);
    const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
    const method = request.method ?? 'GET';
    const operation = provider.format.route(method, rest, query);
    if (operation === undefined) {
      request.resume();
      return send(provider, response, provider.format.error('unknown_route', { method, path: rest }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) return send(provider, response, provider.format.error('too_large'));
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      let raw: string;
      try {
        // OpenAI, Anthropic and Gemini accept compressed request bodies, and so does the simulator.
        raw = decodeBody(bytes, request.headers['content-encoding']);
      } catch {
        raw = '\u0000';
      }
      respond(provider, operation, request, response, raw, query);
    });
    request.on('error', () => response.destroy());
  };
}

function decodeBody(bytes: Buffer, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
      return gunzipSync(bytes).toString('utf8');
    case 'deflate':
      return inflateSync(bytes).toString('utf8');
    case 'br':
      return brotliDecompressSync(bytes).toString('utf8');
    default:
      return bytes.toString('utf8');
  }
}
