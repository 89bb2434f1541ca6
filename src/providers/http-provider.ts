import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../core/chat.js';
import { FortitudeError, ProviderError } from '../core/errors.js';
import type { HttpRequestSpec, WireTarget } from '../wire/wire-format.js';
import type { CancelSignal } from './cancel-signal.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { ConnectionOptions } from './connection-pool.js';
import { HttpTransport } from './http-transport.js';
import type { TransportRequest } from './http-transport.js';
import type { CallOptions, CallTrace, Provider } from './provider.js';
import { providerDefinition, type ProviderKind } from './provider-kinds.js';
import type { RateLimitInfo } from './rate-limit-headers.js';
import { redactSecrets } from './redact.js';
import type { ProviderStats } from './stats/provider-stats.js';

const NOT_STREAMED = { stream: false } as const;
const STREAMED = { stream: true } as const;

export interface HttpProviderOptions {
  /** Configured name (`openai`, `claude`, `local-ollama`). */
  name: string;
  kind: ProviderKind;
  /** Defaults to the kind's `defaultBaseUrl`. */
  baseUrl?: string;
  /** Secret: sent in a header only. */
  apiKey?: string;
  /** True when `baseUrl` points at the built-in simulator. */
  simulated?: boolean;
  /** `timeout_seconds`, in ms (default 30 s). */
  totalTimeoutMs?: number;
  /** `read_timeout`, in ms (default 25 s). */
  readTimeoutMs?: number;
  /** `connection_pool` and `connect_timeout`. */
  connection?: Partial<ConnectionOptions>;
  /** `request_optimization.enable_compression`. */
  compressRequests?: boolean;
  /**
   * Extra request headers (organisation ids, tracing, the simulator's `x-simulator-scenario`).
   * A function is called once per attempt.
   */
  headers?: Record<string, string> | (() => Record<string, string>);
}

export interface HttpProviderDeps {
  /** Shared transport; when absent the provider owns one and closes it in `close()`. */
  transport?: HttpTransport;
  stats?: ProviderStats;
  clock?: Clock;
  /** Rate-limit hints from every response (wired to the provider's rate limiter). */
  onRateLimitInfo?(info: RateLimitInfo, status: number): void;
}

/**
 * A `Provider` that speaks one wire format over the shared HTTP transport. It records each try
 * on the call's trace and in the statistics; resilience (rate limits, breaker, retries) wraps it.
 */
export function createHttpProvider(options: HttpProviderOptions, deps: HttpProviderDeps = {}): Provider {
  const definition = providerDefinition(options.kind);
  const baseUrl = options.baseUrl ?? definition.defaultBaseUrl;
  if (!baseUrl) {
    throw new FortitudeError('config_invalid', `provider ${options.name}: base_url is required for kind ${options.kind}`);
  }
  const ownsTransport = deps.transport === undefined;
  const transport = deps.transport ?? new HttpTransport();
  const clock = deps.clock ?? systemClock;
  const { wire } = definition;
  const name = options.name;
  const target: WireTarget = options.apiKey === undefined ? { baseUrl } : { baseUrl, apiKey: options.apiKey };
  const secrets = [options.apiKey];
  const context = { provider: name };
  const totalTimeoutMs = options.totalTimeoutMs ?? 30_000;
  const readTimeoutMs = options.readTimeoutMs ?? 25_000;
  const compressRequest = options.compressRequests ?? false;
  const parseError = (status: number, body: string) => wire.parseError(status, body);
  const onRateLimitInfo = deps.onRateLimitInfo;
  /**
   * One try's transport request, written out: `{ ...base, spec, signal }` cost about 1 KB per call
   * (V8 gives a spread copy that then gains properties a map of its own each time).
   */
  const transportRequest = (spec: HttpRequestSpec, signal: CancelSignal | undefined): TransportRequest => ({
    provider: name,
    baseUrl,
    spec,
    secrets,
    connection: options.connection,
    totalTimeoutMs,
    readTimeoutMs,
    compressRequest,
    parseError,
    signal,
    onRateLimitInfo,
  });

  const record = (trace: CallTrace | undefined, model: string, startedAt: number, error: unknown, firstPartAt?: number) => {
    const now = clock.now();
    const latencyMs = now - startedAt;
    // For streams the attempt's latency is the time to the first part (what failover hides).
    const attemptLatencyMs = (firstPartAt ?? now) - startedAt;
    if (error === undefined) {
      trace?.attempts.push({ provider: name, outcome: 'ok', latencyMs: attemptLatencyMs });
      if (trace) trace.provider = name;
      deps.stats?.record({ provider: name, model, latencyMs, outcome: 'ok' });
      return;
    }
    if (!(error instanceof ProviderError)) return; // the caller aborted: not the provider's fault
    const attempt = { provider: name, outcome: error.errorClass, latencyMs: attemptLatencyMs };
    trace?.attempts.push(error.status === undefined ? attempt : { ...attempt, status: error.status });
    deps.stats?.record({ provider: name, model, latencyMs, outcome: error.errorClass });
  };

  /** Adds the configured extra headers to a built request (a function is called once per attempt). */
  const extraHeaders = options.headers;
  const withExtraHeaders = <T extends { headers: Record<string, string> }>(spec: T): T => {
    if (extraHeaders === undefined) return spec;
    return { ...spec, headers: { ...spec.headers, ...(typeof extraHeaders === 'function' ? extraHeaders() : extraHeaders) } };
  };
  /** A missing key or bad input while building the request is the caller's error, relabelled and redacted. */
  const buildFailure = (error: unknown): unknown => {
    if (!(error instanceof ProviderError)) return error;
    return new ProviderError(redactSecrets(error.message.replace(/^[^:]+:/, `${name}:`), secrets), {
      provider: name,
      errorClass: error.errorClass,
      retryable: false,
    });
  };

  async function chat(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
    const startedAt = clock.now();
    try {
      let spec: HttpRequestSpec;
      try {
        spec = withExtraHeaders(wire.buildChatRequest(request, target, NOT_STREAMED));
      } catch (error) {
        throw buildFailure(error);
      }
      const response = await transport.json(transportRequest(spec, callOptions.signal));
      const result = wire.parseChatResponse(response.body, context);
      record(callOptions.trace, request.model, startedAt, undefined);
      return result;
    } catch (error) {
      record(callOptions.trace, request.model, startedAt, error);
      throw error;
    }
  }

  async function* stream(request: ChatRequest, callOptions: CallOptions = {}): AsyncGenerator<StreamPart> {
    const startedAt = clock.now();
    const trace = callOptions.trace;
    let firstPartAt: number | undefined;
    let outcome: { error: unknown } | undefined;
    try {
      let spec: HttpRequestSpec;
      try {
        spec = withExtraHeaders(wire.buildChatRequest(request, target, STREAMED));
      } catch (error) {
        throw buildFailure(error);
      }
      const decoder = wire.createStreamDecoder(request, context);
      for await (const part of transport.stream(transportRequest(spec, callOptions.signal), decoder)) {
        if (firstPartAt === undefined) {
          firstPartAt = clock.now();
          // The answering provider is known before the caller sees a byte.
          if (trace) trace.provider = name;
        }
        yield part;
      }
      outcome = { error: undefined };
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      // A consumer that stops early after data still got an answer from this provider.
      const error = outcome ? outcome.error : undefined;
      if (outcome || firstPartAt !== undefined) record(trace, request.model, startedAt, error, firstPartAt);
    }
  }

  const embedWith = wire.buildEmbeddingRequest && wire.parseEmbeddingResponse ? wire : undefined;
  const embed = embedWith
    ? async (request: EmbeddingRequest, callOptions: CallOptions = {}): Promise<EmbeddingResult> => {
        const startedAt = clock.now();
        try {
          let spec: HttpRequestSpec;
          try {
            spec = withExtraHeaders(embedWith.buildEmbeddingRequest!(request, target));
          } catch (error) {
            throw buildFailure(error);
          }
          const response = await transport.json(transportRequest(spec, callOptions.signal));
          const result = embedWith.parseEmbeddingResponse!(response.body, request, context);
          record(callOptions.trace, request.model, startedAt, undefined);
          return result;
        } catch (error) {
          record(callOptions.trace, request.model, startedAt, error);
          throw error;
        }
      }
    : undefined;

  const provider: Provider = {
    name,
    kind: options.kind,
    capabilities: definition.capabilities,
    simulated: options.simulated ?? false,
    chat,
    stream,
    async close() {
      if (ownsTransport) await transport.close();
    },
  };
  if (embed) provider.embed = embed;
  return provider;
}
