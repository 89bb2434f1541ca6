/**
 * A simple, deterministic token estimate: each whitespace-delimited word costs one token per
 * started 4 characters (`the` 1, `research` 2, `PostgreSQL` 3). Close enough to BPE counts for
 * English prose and code to budget with; used where a provider reports no usage (some
 * OpenAI-compatible servers) and by the simulator, whose reported usage must be reproducible.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // space, tab, LF, CR, FF, VT
    if (code === 32 || (code >= 9 && code <= 13)) {
      if (run > 0) {
        tokens += (run + 3) >> 2;
        run = 0;
      }
    } else {
      run++;
    }
  }
  if (run > 0) tokens += (run + 3) >> 2;
  return tokens;
}

/** Per-message overhead OpenAI documents for chat prompts (role and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 3;

/** Estimated prompt tokens for a list of message texts. */
export function estimatePromptTokens(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) total += estimateTokens(text) + MESSAGE_OVERHEAD_TOKENS;
  return total;
}
