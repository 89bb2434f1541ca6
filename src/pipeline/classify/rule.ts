/** A weighted pattern that votes for one label of a dimension. */
export interface Rule<T extends string> {
  label: T;
  /** Shown in `signals`, e.g. `phrase:"how do i"`. */
  name: string;
  /** Tested against the lower-cased query unless `original` is set. */
  pattern: RegExp;
  weight: number;
  /** Test against the query as typed (for case-sensitive shapes such as `ValueError`). */
  original?: boolean;
}

/** A rule that fired, kept so the classifier can explain itself. */
export interface FiredRule {
  labelIndex: number;
  name: string;
  weight: number;
}

/** Adds the weight of every matching rule to its label's score (scores align with `labels`). */
export function applyRules<T extends string>(
  rules: readonly Rule<T>[],
  labels: readonly T[],
  lower: string,
  original: string,
  scores: number[],
  fired: FiredRule[],
): void {
  for (const rule of rules) {
    if (!rule.pattern.test(rule.original === true ? original : lower)) continue;
    const labelIndex = labels.indexOf(rule.label);
    scores[labelIndex] = (scores[labelIndex] ?? 0) + rule.weight;
    fired.push({ labelIndex, name: rule.name, weight: rule.weight });
  }
}

/** Term → votes, matched against tokens and adjacent-token bigrams (`borrow checker`). */
export type Lexicon<T extends string> = ReadonlyMap<string, readonly { label: T; weight: number }[]>;

/** Builds a lexicon from `{ label: 'term term2 …' }`-style lists; weight per list. */
export function buildLexicon<T extends string>(entries: readonly { label: T; weight: number; terms: string }[]): Lexicon<T> {
  const lexicon = new Map<string, { label: T; weight: number }[]>();
  for (const entry of entries) {
    for (const term of entry.terms.split(',')) {
      const key = term.trim();
      if (key.length === 0) continue;
      const votes = lexicon.get(key) ?? [];
      votes.push({ label: entry.label, weight: entry.weight });
      lexicon.set(key, votes);
    }
  }
  return lexicon;
}

/** Adds lexicon votes for each distinct token and bigram found in the query. */
export function applyLexicon<T extends string>(
  lexicon: Lexicon<T>,
  labels: readonly T[],
  terms: readonly string[],
  scores: number[],
  fired: FiredRule[],
): void {
  for (const term of terms) {
    const votes = lexicon.get(term);
    if (votes === undefined) continue;
    for (const vote of votes) {
      const labelIndex = labels.indexOf(vote.label);
      scores[labelIndex] = (scores[labelIndex] ?? 0) + vote.weight;
      fired.push({ labelIndex, name: `term:"${term}"`, weight: vote.weight });
    }
  }
}
