/** Longest query, in words, that still counts as simple. */
export const SIMPLE_QUERY_MAX_WORDS = 25;

/**
 * Whether a research query is simple, for `usage_optimization.prefer_for_simple_queries`: one
 * line of at most 25 words, with no code and at most one question or sentence. The guide leaves
 * "simple" open; a short single question is what an operator sends a free, fast provider.
 */
export function isSimpleQuery(query: string): boolean {
  const text = query.trim();
  if (text === '' || /[\n`{};]/.test(text)) return false;
  if (text.split(/\s+/).length > SIMPLE_QUERY_MAX_WORDS) return false;
  const sentences = text.split(/[.?!]+(?:\s+|$)/).filter((part) => part.trim() !== '');
  return sentences.length <= 1;
}
