import { FortitudeError } from '../core/errors.js';
import type { Classification, ResearchType } from '../core/research.js';
import type { BatchedWriter } from '../infrastructure/storage/batched-writer.js';
import type { ProviderRequestInput } from '../infrastructure/storage/repositories/provider-requests.js';
import { BUILT_IN_PRICES, costOf, type PriceTable } from '../pipeline/budget/prices.js';
import type { ProviderCaller } from '../pipeline/ports.js';
import type { AttemptRecord } from '../providers/provider.js';
import type { FortitudeConfig } from './config/schema.js';
import type { ProviderSet } from './build-providers.js';

export interface RoutingPolicy {
  /** Ordered candidates for a request, best first. */
  order(input: { researchType: ResearchType; preferred?: string }): string[];
  recordOutcome?(outcome: { provider: string; model: string; researchType?: ResearchType; latencyMs: number; ok: boolean; costUsd: number }): void;
  recordQuality?(provider: string, researchType: ResearchType, score: number): void;
}

/** Config order (or `selection_strategy.order`), the preferred provider first. */
export function fixedOrderPolicy(config: FortitudeConfig, names: readonly string[]): RoutingPolicy {
  const configured = config.selection_strategy.order?.filter((name) => names.includes(name)) ?? [];
  const base = [...configured, ...names.filter((name) => !configured.includes(name))];
  return { order: () => base };
}

export function priceTable(config: FortitudeConfig): PriceTable {
  const table: Record<string, { input_per_million: number; output_per_million: number }> = { ...BUILT_IN_PRICES, ...config.cost_management.pricing };
  for (const provider of Object.values(config.providers)) Object.assign(table, provider.pricing);
  return table;
}

/**
 * The pipeline's provider port: routing order → fallback chain → request records. Every call,
 * failed attempts included, becomes a `provider_requests` row written off the hot path.
 */
export function createProviderCaller(deps: {
  providers: ProviderSet;
  policy: RoutingPolicy;
  prices: PriceTable;
  recorder: BatchedWriter<ProviderRequestInput> | undefined;
}): ProviderCaller {
  const { providers, policy, prices, recorder } = deps;

  const order = (researchType: ResearchType, preferred: string | undefined): string[] => {
    if (preferred && !providers.providers.has(preferred)) {
      throw new FortitudeError('bad_request', `provider: "${preferred}" is not configured; configured: ${providers.names.join(', ')}`, {
        details: { field: 'provider' },
      });
    }
    const ranked = policy.order({ researchType, ...(preferred ? { preferred } : {}) });
    return preferred ? [preferred, ...ranked.filter((name) => name !== preferred)] : ranked;
  };

  const recordAttempts = (attempts: readonly AttemptRecord[], researchType: ResearchType | undefined, user: string | undefined) => {
    for (const attempt of attempts) {
      const model = providers.configs.get(attempt.provider)?.model ?? 'unknown';
      policy.recordOutcome?.({ provider: attempt.provider, model, ...(researchType ? { researchType } : {}), latencyMs: attempt.latencyMs, ok: false, costUsd: 0 });
      recorder?.add({
        provider: attempt.provider,
        model,
        latencyMs: attempt.latencyMs,
        status: 'error',
        errorClass: attempt.outcome === 'ok' ? null : attempt.outcome,
        researchType: researchType ?? null,
        userId: user ?? null,
      });
    }
  };

  return {
    plan: (classification: Classification, preferred?: string) => order(classification.researchType.value, preferred),

    async call(names, request, options) {
      const started = performance.now();
      try {
        const answer = await providers.chain.call(names, request, options.signal ? { signal: options.signal } : {});
        const latencyMs = performance.now() - started;
        recordAttempts(answer.attempts, options.researchType, options.user);
        const cost = costOf(answer.result.model, answer.result.usage, prices);
        policy.recordOutcome?.({ provider: answer.provider, model: answer.result.model, ...(options.researchType ? { researchType: options.researchType } : {}), latencyMs, ok: true, costUsd: cost });
        recorder?.add({
          provider: answer.provider,
          model: answer.result.model,
          latencyMs,
          inputTokens: answer.result.usage.inputTokens,
          outputTokens: answer.result.usage.outputTokens,
          costUsd: cost,
          status: 'ok',
          researchType: options.researchType ?? null,
          userId: options.user ?? null,
          fallbackFrom: answer.attempts[0]?.provider ?? null,
        });
        return {
          result: answer.result,
          provider: answer.provider,
          simulated: answer.simulated,
          attempts: answer.attempts.map((attempt) => ({ provider: attempt.provider, outcome: attempt.outcome })),
        };
      } catch (error) {
        recorder?.add({
          provider: names[0] ?? 'none',
          model: providers.configs.get(names[0] ?? '')?.model ?? 'unknown',
          latencyMs: performance.now() - started,
          status: 'error',
          errorClass: (error as { errorClass?: ProviderRequestInput['errorClass'] }).errorClass ?? 'unknown',
          researchType: options.researchType ?? null,
          userId: options.user ?? null,
        });
        throw error;
      }
    },

    async stream(names, request, options) {
      const opened = await providers.chain.stream(names, request, options.signal ? { signal: options.signal } : {});
      recordAttempts(opened.attempts, options.researchType, options.user);
      const started = performance.now();
      const parts = (async function* () {
        for await (const part of opened.parts) {
          if (part.type === 'finish') {
            const cost = costOf(part.model, part.usage, prices);
            recorder?.add({
              provider: opened.provider,
              model: part.model,
              latencyMs: performance.now() - started,
              inputTokens: part.usage.inputTokens,
              outputTokens: part.usage.outputTokens,
              costUsd: cost,
              status: 'ok',
              researchType: options.researchType ?? null,
              userId: options.user ?? null,
            });
          }
          yield part;
        }
      })();
      return { provider: opened.provider, simulated: opened.simulated, parts };
    },

    recordQuality: (provider, researchType, score) => policy.recordQuality?.(provider, researchType, score),
    costOf: (model, usage) => costOf(model, usage, prices),
  };
}
