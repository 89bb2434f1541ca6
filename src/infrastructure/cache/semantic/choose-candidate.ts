/**
 * Picks the cached entry to serve from the nearest neighbours, or none. The best candidate the
 * verifier accepts wins, unless another cached question sits within `ambiguityMargin` of its
 * similarity (one the verifier also accepts, or with `strictAmbiguity` any candidate above the
 * threshold): then the query is ambiguous and is a miss. The verifier is called lazily, only on
 * the candidates that can change the outcome.
 *
 * With `nearestOnly` (the default in `SemanticCache`) only the nearest candidate above the
 * threshold can be served: when the verifier refuses it, or it is ambiguous, the lookup is a miss
 * rather than a farther candidate's hit. With many relatives cached together, an edited question
 * ("… for a large team") is refused against its origin, its nearest neighbour, but passes against
 * the origin's paraphrase, whose rewording hides the added words (issue 19, shared measure).
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
  /**
   * Ask the verifier about every candidate it could be asked about, even those whose answer
   * cannot change the outcome (the behaviour before the miss path was pruned; measurement only).
   */
  verifyAll?: boolean;
  /** Serve only the nearest candidate above the threshold, or nothing. */
  nearestOnly?: boolean;
}

export interface Choice {
  chosen?: Candidate;
  /** Set when a rival made the best accepted candidate ambiguous. */
  rival?: Candidate;
  best?: Candidate;
  /** Candidates the verifier refused, best first. */
  refused: JudgedCandidate[];
  /**
   * Candidates never shown to the verifier because, in strict mode, each has another candidate
   * within the margin and so could not be served whatever the verifier said.
   */
  unservable: Candidate[];
}

/**
 * `candidates` sorted by similarity, best first; `judge` returns the verifier's reasons
 * (empty = accepted).
 */
export function chooseCandidate(candidates: readonly Candidate[], judge: (candidate: Candidate) => string[], options: ChoiceOptions): Choice {
  const eligible = candidates.filter((candidate) => candidate.similarity >= options.threshold);
  const strict = options.strictAmbiguity && options.ambiguityMargin > 0;
  const hasRival = (index: number) => {
    const similarity = eligible[index]!.similarity;
    for (let other = 0; other < eligible.length; other++) {
      if (other !== index && Math.abs(eligible[other]!.similarity - similarity) <= options.ambiguityMargin) return true;
    }
    return false;
  };
  // In strict mode a candidate with a rival within the margin is never served: once no servable
  // candidate is left, the lookup is a miss whatever the verifier says, so it is not asked. The
  // verifier is most of a miss's cost (bench/semantic-lookup-100k.ts).
  let last = eligible.length - 1;
  if (strict && !options.verifyAll) while (last >= 0 && hasRival(last)) last--;
  // Nearest only: the nearest candidate decides, or (in strict mode, with a rival) nothing can be served.
  if (options.nearestOnly && !options.verifyAll && eligible.length > 0) last = strict && hasRival(0) ? -1 : Math.min(last, 0);
  const refused: JudgedCandidate[] = [];
  let best: Candidate | undefined;
  for (let index = 0; index <= last; index++) {
    const candidate = eligible[index]!;
    const reasons = judge(candidate);
    if (reasons.length === 0) {
      best = candidate;
      break;
    }
    refused.push({ ...candidate, reasons });
    if (options.nearestOnly) break;
  }
  if (!best) return { refused, unservable: eligible.slice(last + 1) };
  if (options.ambiguityMargin <= 0) return { chosen: best, refused, unservable: [] };
  const within = (candidate: Candidate) => candidate !== best && Math.abs(candidate.similarity - best.similarity) <= options.ambiguityMargin;
  const rival = options.strictAmbiguity
    ? eligible.find(within)
    : eligible.slice(eligible.indexOf(best) + 1).find((candidate) => within(candidate) && judge(candidate).length === 0);
  return rival ? { rival, best, refused, unservable: [] } : { chosen: best, refused, unservable: [] };
}
