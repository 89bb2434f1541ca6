/**
 * One query language for both engines. User text is reduced to plain words in JavaScript, so
 * neither FTS5's nor PostgreSQL's query syntax is ever exposed to user input, and both engines
 * match the same way: every word must occur (AND) or any word may (OR), after dropping the
 * English stop words PostgreSQL's `english` configuration drops (its `english.stop` list;
 * FTS5 has no stop words of its own). Stemming is each engine's English stemmer
 * (Snowball on PostgreSQL, Porter on SQLite).
 */

const STOP_WORDS: ReadonlySet<string> = new Set(
  `
  i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
  she her hers herself it its itself they them their theirs themselves what which who whom
  this that these those am is are was were be been being have has had having do does did doing
  a an the and but if or because as until while of at by for with about against between into
  through during before after above below to from up down in out on off over under again
  further then once here there when where why how all any both each few more most other some
  such no nor not only own same so than too very s t can will just don should now
  `
    .trim()
    .split(/\s+/),
);

/** The cap keeps a pasted essay from becoming a thousand-term query. */
const MAX_TERMS = 32;

export type MatchMode = 'all' | 'any';

/** Lower-cased words (letters and digits), stop words and duplicates removed, in input order. */
export function searchTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (STOP_WORDS.has(word) || terms.includes(word)) continue;
    terms.push(word);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

/** FTS5 MATCH expression: each term a quoted string, joined by implicit AND or by OR. */
export function fts5Query(terms: readonly string[], mode: MatchMode): string {
  return terms.map((term) => `"${term}"`).join(mode === 'all' ? ' ' : ' OR ');
}

/** Argument for `to_tsquery('english', …)`; terms hold only letters and digits, so no escaping. */
export function tsQuery(terms: readonly string[], mode: MatchMode): string {
  return terms.join(mode === 'all' ? ' & ' : ' | ');
}
