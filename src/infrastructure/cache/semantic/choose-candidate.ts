/**
 * Picks the cached entry to serve from the nearest neighbours, or none. The best candidate the
 * verifier accepts wins, unless another cached question sits within `ambiguityMargin` of its
 * similarity (one the verifier also accepts, or with `strictAmbiguity` any candidate above the
 * threshold): then the query is ambiguous and is a miss. The verifier is called lazily, only on
 * the candidates that can change the outcome.
 */

export interface Candidate {
  id: string;
  question: string;
  similarity: number;
}

export interface JudgedCandidate extends Candidate {
  /** Why the verifier refused it; empty when accepted. */
  reasons: string[];
}

export interface ChoiceOptions {
  threshold: number;
  ambiguityMargin: number;
  /** Count refused candidates too when looking for a rival within the margin. */
  strictAmbiguity: boolean;
}

export interface Choice {
  chosen?: Candidate;
  /** Set when a rival made the best accepted candidate ambiguous. */
  rival?: Candidate;
  best?: Candidate;
  /** Candidates the verifier refused, best first. */
  refused: JudgedCandidate[];
}

/**
 * `candidates` sorted by similarity, best first; `judge` returns the verifier's reasons
 * (empty = accepted).
 */
export function chooseCandidate(candidates: readonly Candidate[], judge: (candidate: Candidate) => string[], options: ChoiceOptions): Choice {
  const eligible = candidates.filter((candidate) => candidate.similarity >= options.threshold);
  const refused: JudgedCandidate[] = [];
  let best: Candidate | undefined;
  for (const candidate of eligible) {
    const reasons = judge(candidate);
    if (reasons.length === 0) {
      best = candidate;
      break;
    }
    refused.push({ ...candidate, reasons });
  }
  if (!best) return { refused };
  if (options.ambiguityMargin <= 0) return { chosen: best, refused };
  const within = (candidate: Candidate) => candidate !== best && Math.abs(candidate.similarity - best.similarity) <= options.ambiguityMargin;
  const rival = options.strictAmbiguity
    ? eligible.find(within)
    : eligible.slice(eligible.indexOf(best) + 1).find((candidate) => within(candidate) && judge(candidate).length === 0);
  return rival ? { rival, best, refused } : { chosen: best, refused };
}
