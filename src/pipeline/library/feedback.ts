import { FortitudeError } from '../../core/errors.js';
import { rejectNul } from '../../core/text-input.js';
import type { ResearchResult } from '../../core/research.js';
import type { FeedbackRepository } from '../../infrastructure/storage/repositories/feedback.js';
import type { QualityMetricInput } from '../../infrastructure/storage/repositories/quality-metrics.js';
import { asStorageError } from '../../infrastructure/storage/storage-errors.js';
import type { FeedbackInput } from '../fortitude.js';
import type { Router } from '../routing/router.js';

export interface FeedbackDeps {
  /** Resolves the rated result among those `owner` may see (all when undefined). */
  results: { get(idOrSlug: string, owner?: string): Promise<ResearchResult | undefined> };
  feedback: Pick<FeedbackRepository, 'insert'>;
  /** The rating's derived quality row feeds analysis, not the caller: written off the request path. */
  qualityRows: { add(record: QualityMetricInput): void };
  router: Pick<Router, 'recordFeedback'>;
}

/**
 * A user's rating of a stored answer. The rating itself is written before answering: the caller
 * learns it was recorded, or gets a clean, retryable `storage_error` (503) during a database
 * outage — never a 500. Routing learns from it at once.
 */
export function createFeedback(deps: FeedbackDeps): (input: FeedbackInput, owner: string | undefined) => Promise<{ id: string; resultId: string }> {
  return async (input, owner) => {
    if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
      throw new FortitudeError('bad_request', `rating: expected a whole number from 1 to 5 (got ${input.rating})`, { details: { field: 'rating' } });
    rejectNul('result_id', input.resultId);
    rejectNul('comment', input.comment);
    const result = await deps.results.get(input.resultId, owner).catch(asStorageError('feedback not recorded: the database is unreachable; retry later'));
    if (!result) throw new FortitudeError('not_found', `no research result "${input.resultId}"`, { details: { field: 'result_id' } });
    const saved = await deps.feedback
      .insert({ resultId: result.id, rating: input.rating, textFeedback: input.comment ?? null, userId: input.user ?? null })
      .catch(asStorageError('feedback not recorded: the database is unreachable; retry later'));
    deps.qualityRows.add({
      resultId: result.id,
      provider: result.provider,
      model: result.model,
      researchType: result.classification.researchType.value,
      compositeScore: (input.rating - 1) / 4,
      dimensionScores: { user_rating: input.rating },
      source: 'feedback',
    });
    deps.router.recordFeedback({ provider: result.provider, researchType: result.classification.researchType.value, model: result.model, rating: input.rating });
    // The rated result's full id: the caller may have named it by an id prefix or its slug.
    return { id: saved.id, resultId: result.id };
  };
}
