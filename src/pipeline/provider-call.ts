import { performance } from 'node:perf_hooks';
import type { ChatRequest } from '../core/chat.js';
import { FortitudeError } from '../core/errors.js';
import { guardStream } from '../core/guarded-stream.js';
import type { ResearchType } from '../core/research.js';
import type { ProviderCallObservation } from '../infrastructure/metrics/metrics.js';
import type { ProviderRequestInput } from '../infrastructure/storage/repositories/provider-requests.js';
import { PromptTokens, type PromptTokenEstimator } from '../providers/prompt-tokens.js';
import { createCallTrace } from '../providers/provider.js';
import { roughChatTokens } from '../providers/rate-limit/token-estimator.js';
import type { AttemptRecord } from '../providers/provider.js';
import type { BudgetGuard, BudgetReservation } from './budget/budget-guard.js';
import type { PriceResolver } from './budget/price-resolver.js';
import type { ModelPrice } from './budget/prices.js';
import type { CallContext, ProviderCaller, ProviderCatalog } from './ports.js';
import type { Router } from './routing/router.js';

/**
 * One provider call, for research and the gateway alike: router plan → budget reservation (at
 * the dearest candidate's price) → fallback chain → reconcile → request records. Every call,
 * failed attempts included, feeds the router and becomes a `provider_requests` row written off
 * the hot path.
 */
export interface ProviderCallDeps {
  providers: ProviderCatalog;
  router: Pick<Router, 'plan' | 'record' | 'recordQuality'>;
  budget: Pick<BudgetGuard, 'reserve'>;
  prices: PriceResolver;
  /**
   * Prompt tokens of a request, for the budget reservation. Counted at most once per call and
   * shared with the providers' token limits (`PromptTokens`), which count with the same function.
   */
  estimateTokens: PromptTokenEstimator;
  /**
   * The generous estimate reserved while the budget is far below its thresholds (the exact count
   * is asked only near one); default `roughChatTokens`, which needs no tokenizer.
   */
  roughTokens?: PromptTokenEstimator;
  recorder?: { add(record: ProviderRequestInput): void } | undefined;
  /**
   * Per provider (`cost_management.providers.<name>.cost_tracking`): whether its request rows
   * keep the user and the research type; both default to true.
   */
  tracking?: Readonly<Record<string, { perUser: boolean; perQueryType: boolean }>>;
  /** Every finished try (metrics). */
  onCall?: (call: ProviderCallObservation) => void;
  /** A try refused by a rate limit: Fortitude's own limiter or the provider's 429 (metrics). */
  onRateLimited?: (provider: string) => void;
}

function attemptSummary(attempt: AttemptRecord): { provider: string; outcome: string } {
  return { provider: attempt.provider, outcome: attempt.outcome };
}

function hasKeys(record: Readonly<Record<string, unknown>>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

export function createProviderCaller(deps: ProviderCallDeps): ProviderCaller {
  const { providers, recorder, router, budget, prices } = deps;
  const roughTokens = deps.roughTokens ?? roughChatTokens;
  const onCall = deps.onCall ?? (() => undefined);
  // What a provider's request row says about who asked and what: only what its cost tracking keeps.
  const trackedType = (provider: string, context: CallContext) => (deps.tracking?.[provider]?.perQueryType === false ? null : (context.researchType ?? null));
  const trackedUser = (provider: string, context: CallContext) => (deps.tracking?.[provider]?.perUser === false ? null : (context.user ?? null));
  const onRateLimited = deps.onRateLimited ?? (() => undefined);
  /** Models the router chose per provider, by the order array it returned. */
  const chosenModels = new WeakMap<readonly string[], Record<string, string>>();

  const planFor = (researchType: ResearchType, preferred: string | undefined, options: { simple?: boolean } = {}): string[] => {
    if (preferred && !providers.has(preferred)) {
      throw new FortitudeError('bad_request', `provider: "${preferred}" is not configured; configured: ${providers.names.join(', ')}`, {
        details: { field: 'provider' },
      });
    }
    const plan = router.plan({ researchType, preferred, simple: options.simple, orderOnly: true });
    // The router already leads with `preferred` unless the budget paused it.
    const order = preferred && plan.order[0] !== preferred ? [preferred, ...plan.order.filter((name) => name !== preferred)] : plan.order;
    // Most plans choose no model (no `model_selection`, no pin): nothing to remember for them.
    if (hasKeys(plan.models)) chosenModels.set(order, plan.models);
    return order;
  };

  const modelOf = (provider: string) => providers.modelOf(provider) ?? 'unknown';

  // Not async (it awaits nothing): no promise and frame of its own per call; its callers await it inside theirs.
  const reserve = (order: readonly string[], request: ChatRequest, context: CallContext, promptTokens: PromptTokens): Promise<BudgetReservation> => {
    // Fallback may land on any candidate: reserve at the dearest one's price, so no path overspends.
    // Each candidate is priced at the model it would run: the request's model (or the router's
    // choice for the first candidate, which the request then carries to every candidate), mapped
    // by the candidate as the provider stack does (a model it does not serve runs as its default);
    // its configured model when the request names none. Pricing its configured model too reserved
    // a gpt-4o-mini request at gpt-4's price (a 402 with the budget nearly untouched).
    // The first of the dearest prices (input + output per million), in candidate order.
    const requested = request.model || chosenModels.get(order)?.[order[0] ?? ''] || '';
    let price: ModelPrice | undefined;
    let dearest = Number.NEGATIVE_INFINITY;
    for (const name of order) {
      const model = requested === '' ? modelOf(name) : providers.modelFor(name, requested);
      const candidate = prices.priceOf(model, name);
      if (candidate === undefined) continue;
      const blended = candidate.input_per_million + candidate.output_per_million;
      if (blended > dearest) {
        dearest = blended;
        price = candidate;
      }
    }
    const priced = price !== undefined && price.input_per_million > 0;
    return budget.reserve({
      provider: order[0] ?? 'none',
      model: request.model || modelOf(order[0] ?? ''),
      price,
      // Only a priced input makes the prompt's size matter to the worst case (`worstCaseCostUsd`):
      // unpriced or free-input models are reserved without counting it.
      inputTokens: priced ? roughTokens(request) : 0,
      exactInputTokens: priced ? () => promptTokens.of(request, deps.estimateTokens) : undefined,
      maxOutputTokens: request.maxTokens ?? 1024,
      urgent: context.urgent ?? false,
    });
  };

  const recordAttempts = (attempts: readonly AttemptRecord[], context: CallContext) => {
    for (const attempt of attempts) {
      const model = modelOf(attempt.provider);
      router.record({ provider: attempt.provider, model, researchType: context.researchType ?? 'general', latencyMs: attempt.latencyMs, ok: false, costUsd: 0 });
      onCall({ provider: attempt.provider, model, outcome: attempt.outcome, durationMs: attempt.latencyMs });
      if (attempt.outcome === 'rate_limit') onRateLimited(attempt.provider);
      recorder?.add({
        provider: attempt.provider,
        model,
        latencyMs: attempt.latencyMs,
        status: 'error',
        errorClass: attempt.outcome === 'ok' ? null : attempt.outcome,
        researchType: trackedType(attempt.provider, context),
        userId: trackedUser(attempt.provider, context),
      });
    }
  };

  /** Records the failed tries of a call that got no answer; returns `error` to rethrow. */
  const recordFailure = (failed: readonly AttemptRecord[], context: CallContext, error: unknown): unknown => {
    recordAttempts(failed, context);
    return error;
  };

  const recordSuccess = (provider: string, model: string, latencyMs: number, usage: { inputTokens: number; outputTokens: number }, context: CallContext, fallbackFrom?: string) => {
    const cost = prices.costOf(model, usage, provider);
    router.record({ provider, model, researchType: context.researchType ?? 'general', latencyMs, ok: true, costUsd: cost });
    onCall({ provider, model, outcome: 'success', durationMs: latencyMs, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: cost });
    recorder?.add({
      provider,
      model,
      latencyMs,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: cost,
      status: 'ok',
      researchType: trackedType(provider, context),
      userId: trackedUser(provider, context),
      fallbackFrom: fallbackFrom ?? null,
    });
    return cost;
  };

  const withModel = (order: readonly string[], request: ChatRequest): ChatRequest => {
    const model = chosenModels.get(order)?.[order[0] ?? ''];
    return model && !request.model ? { ...request, model } : request;
  };

  return {
    plan: planFor,

    async call(order, request, context) {
      const started = performance.now();
      const promptTokens = new PromptTokens(request.messages);
      const reservation = await reserve(order, request, context, promptTokens);
      const trace = createCallTrace();
      try {
        const answer = await providers.chain.call(order, withModel(order, request), { signal: context.signal, trace, promptTokens, hedge: context.pinned !== true });
        recordAttempts(answer.attempts, context);
        const cost = recordSuccess(answer.provider, answer.result.model, performance.now() - started, answer.result.usage, context, answer.attempts[0]?.provider);
        await reservation.reconcile(cost);
        return {
          result: answer.result,
          provider: answer.provider,
          simulated: answer.simulated,
          attempts: answer.attempts.length === 0 ? [] : answer.attempts.map(attemptSummary),
        };
      } catch (error) {
        await reservation.release();
        // Every failed try is a sample (router, metrics, request rows), as when a later one answers.
        const failed = trace.attempts.filter((attempt) => attempt.outcome !== 'ok');
        if (failed.length > 0) throw recordFailure(failed, context, error);
        const first = order[0] ?? 'none';
        router.record({ provider: first, model: modelOf(first), researchType: context.researchType ?? 'general', latencyMs: performance.now() - started, ok: false, costUsd: 0 });
        recorder?.add({
          provider: first,
          model: modelOf(first),
          latencyMs: performance.now() - started,
          status: 'error',
          errorClass: (error as { errorClass?: ProviderRequestInput['errorClass'] }).errorClass ?? 'unknown',
          researchType: trackedType(first, context),
          userId: trackedUser(first, context),
        });
        throw error;
      }
    },

    async stream(order, request, context) {
      const promptTokens = new PromptTokens(request.messages);
      const reservation = await reserve(order, request, context, promptTokens);
      const started = performance.now();
      let opened;
      const trace = createCallTrace();
      try {
        opened = await providers.chain.stream(order, withModel(order, request), { signal: context.signal, trace, promptTokens, hedge: context.pinned !== true });
      } catch (error) {
        await reservation.release();
        throw recordFailure(
          trace.attempts.filter((attempt) => attempt.outcome !== 'ok'),
          context,
          error,
        );
      }
      recordAttempts(opened.attempts, context);
      const { provider } = opened;
      let settled = false;
      const parts = guardStream(opened.parts, {
        // Not async: a text part passes with no promise of its own; the finish part waits for the reconcile.
        onPart(part) {
          if (part.type !== 'finish') return undefined;
          const cost = recordSuccess(provider, part.model, performance.now() - started, part.usage, context);
          settled = true;
          return reservation.reconcile(cost).then(() => undefined);
        },
        // A stream cut short still cost what was generated; without usage, keep the reservation honest.
        onEnd: async () => {
          if (!settled) await reservation.reconcile(reservation.reservedUsd).catch(() => undefined);
        },
      });
      return { provider, simulated: opened.simulated, parts };
    },

    recordQuality: (provider, researchType, score) => router.recordQuality({ provider, researchType, score }),
    costOf: (model, usage, provider) => prices.costOf(model, usage, provider),
  };
}
