/**
 * Text utilities shared by the classifier and the quality evaluator: one tokenizer, one light
 * stemmer, one stopword list, so "relevant term" means the same thing in both places.
 */

/**
 * Lower-cases and splits text into tokens; keeps stopwords (question words carry meaning).
 * Token characters are ASCII letters, digits and `_ + # . ' -`, so `c++`, `node.js` and `e0502`
 * survive; `.`, `'` and `-` are trimmed from token edges and a possessive `'s` is dropped
 * ("rust's" → "rust"). A hand-rolled scanner: this runs over whole answers on the hot path.
 */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  const tokens: string[] = [];
  const length = lower.length;
  let start = -1;
  for (let i = 0; i <= length; i++) {
    const inToken = i < length && isTokenChar(lower.charCodeAt(i));
    if (inToken) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    pushToken(lower, start, i, tokens);
    start = -1;
  }
  return tokens;
}

function isTokenChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 48 && code <= 57) || // 0-9
    code === 95 || code === 43 || code === 35 || code === 46 || code === 39 || code === 45 // _ + # . ' -
  );
}

/** . ' - are kept inside tokens but trimmed from their edges. */
function isEdgePunctuation(code: number): boolean {
  return code === 46 || code === 39 || code === 45;
}

function pushToken(lower: string, start: number, end: number, tokens: string[]): void {
  while (start < end && isEdgePunctuation(lower.charCodeAt(start))) start++;
  while (end > start && isEdgePunctuation(lower.charCodeAt(end - 1))) end--;
  // Possessives name the thing itself: "rust's" → "rust".
  if (end - start > 2 && lower.charCodeAt(end - 1) === 115 && lower.charCodeAt(end - 2) === 39) end -= 2;
  if (end > start) tokens.push(lower.slice(start, end));
}

/**
 * A deliberately light suffix stemmer (plural, -ing, -ed, -ly): enough to match "requests" with
 * "request" and "draining" with "drain" without pulling in a Porter implementation.
 */
export function stem(token: string): string {
  const n = token.length;
  if (n <= 3 || !isLetters(token)) return token;
  let base = token;
  if (token.endsWith('ies') && n > 4) base = token.slice(0, -3) + 'y';
  else if (token.endsWith('ing') && n > 5) base = undouble(token.slice(0, -3));
  else if (token.endsWith('ed') && n > 4 && !token.endsWith('eed')) base = undouble(token.slice(0, -2));
  else if (token.endsWith('ly') && n > 5) base = token.slice(0, -2);
  else if (token.endsWith('es') && n > 4 && /(ss|x|ch|sh)es$/.test(token)) base = token.slice(0, -2);
  else if (token.endsWith('s') && !token.endsWith('ss') && !token.endsWith('us') && !token.endsWith('is')) base = token.slice(0, -1);
  // Drop a final e so "upgrade", "upgraded" and "upgrading" meet at "upgrad".
  return base.length > 4 && base.endsWith('e') ? base.slice(0, -1) : base;
}

function isLetters(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code < 97 || code > 122) return false;
  }
  return true;
}

function undouble(base: string): string {
  const n = base.length;
  if (n >= 3 && base[n - 1] === base[n - 2] && !'lsz'.includes(base[n - 1] ?? '')) return base.slice(0, -1);
  return base;
}

/** Function words and research-request verbs that say nothing about the subject of a query. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'if', 'then', 'else', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'with',
  'from', 'into', 'onto', 'over', 'under', 'about', 'as', 'than', 'so', 'too', 'very', 'just', 'also', 'not', 'no',
  'yes', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'am', 'do', 'does', 'did', 'doing', 'done', 'have',
  'has', 'had', 'having', 'will', 'would', 'shall', 'should', 'can', 'could', 'may', 'might', 'must', 'i', 'me',
  'my', 'mine', 'we', 'us', 'our', 'ours', 'you', 'your', 'yours', 'he', 'she', 'it', 'its', 'they', 'them',
  'their', 'this', 'that', 'these', 'those', 'there', 'here', 'what', 'which', 'who', 'whom', 'whose', 'when',
  'where', 'why', 'how', 'all', 'any', 'some', 'each', 'every', 'both', 'few', 'more', 'most', 'other', 'such',
  'only', 'own', 'same', 'up', 'down', 'out', 'off', 'again', 'once', 'i\'m', 'i\'ve', 'it\'s', 'don\'t',
  'doesn\'t', 'isn\'t', 'can\'t', 'won\'t', 'what\'s', 'let\'s', 'that\'s', 'there\'s', 'via', 'vs', 'versus', 'etc',
  'get', 'got', 'use', 'using', 'used', 'make', 'want', 'need', 'way', 'best', 'better', 'good', 'right', 'thing',
  'things', 'something', 'anything', 'someone', 'please', 'help', 'explain', 'show', 'give', 'tell', 'know',
  'understand', 'example', 'implement', 'work', 'works', 'working', 'really', 'actually', 'even', 'still', 'like',
  'one', 'two', 'new', 'after', 'before', 'while', 'between', 'without', 'within', 'because', 'into', 'each',
  'correct', 'fine', 'okay', 'ok', 'safe', 'way', 'go', 'going', 'see', 'look', 'think', 'try', 'keep', 'keeps',
]);

/** Memo for `stem` on the answer-scoring hot path; vocabulary repeats, so hits dominate. */
const STEM_CACHE = new Map<string, string>();
const STEM_CACHE_LIMIT = 50_000;

/** Content terms of a text: stemmed tokens minus stopwords and numbers or measurements ("50ms"). */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    if (token.length < 2 || STOPWORDS.has(token) || isDigit(token.charCodeAt(0))) continue;
    let stemmed = STEM_CACHE.get(token);
    if (stemmed === undefined) {
      if (STEM_CACHE.size >= STEM_CACHE_LIMIT) STEM_CACHE.clear();
      stemmed = stem(token);
      STEM_CACHE.set(token, stemmed);
    }
    if (!STOPWORDS.has(stemmed)) terms.push(stemmed);
  }
  return terms;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
