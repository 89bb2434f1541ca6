/**
 * One streamed call ended at a chosen stage, for the chaos suite: by the client (before the
 * response headers, right after them, after the first chunk, mid-stream, after `[DONE]`), a
 * research stream abandoned after its first event, or by the provider (the upstream cuts the
 * stream: the test sets the simulator's `truncateRatio`).
 */
export const STREAM_STAGES = [
  'aborted before headers',
  'aborted after headers',
  'abandoned after first chunk',
  'abandoned mid-stream',
  'read to [DONE]',
  'research abandoned',
  'provider cut mid-stream',
] as const;
export type StreamStage = (typeof STREAM_STAGES)[number];

/** `intended`: ended the way the stage says; `failed`: an error the client saw; `lost`: no answer / hung. */
export type StreamOutcome = 'intended' | 'failed' | 'lost';

export async function streamOnce(url: string, stage: StreamStage, index: number, timeoutMs = 15_000): Promise<StreamOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  const research = stage === 'research abandoned';
  const body = research
    ? { query: `How do I cancel tokio task number ${index} in a chaos run?`, stream: true }
    : { model: 'gpt-4o-mini', stream: true, max_tokens: 200, temperature: 0.7, messages: [{ role: 'user', content: `stream ${index} about async Rust` }] };
  let timedOut = false;
  timer.unref();
  const pending = fetch(`${url}${research ? '/api/research' : '/v1/chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  try {
    if (stage === 'aborted before headers') {
      setTimeout(() => controller.abort(), index % 4);
      try {
        const response = await pending;
        await response.body?.cancel();
      } catch {
        // the abort won the race: that is the stage
      }
      return 'intended';
    }
    const response = await pending;
    if (response.status !== 200) {
      await response.arrayBuffer();
      return 'failed';
    }
    if (stage === 'aborted after headers') {
      controller.abort();
      return 'intended';
    }
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const chunksWanted = stage === 'abandoned mid-stream' ? 3 : stage === 'abandoned after first chunk' || research ? 1 : Infinity;
    let chunks = 0;
    let text = '';
    while (chunks < chunksWanted) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    if (chunksWanted !== Infinity) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      return chunks > 0 ? 'intended' : 'failed';
    }
    return text.includes('[DONE]') ? 'intended' : 'failed';
  } catch (error) {
    timedOut = error instanceof Error && (error.message === 'timeout' || (error.cause instanceof Error && error.cause.message === 'timeout'));
    return timedOut ? 'lost' : 'failed';
  } finally {
    clearTimeout(timer);
  }
}
