/**
 * Bounded load and tallies for the chaos suite: closed-loop clients that each send their next
 * request as soon as the previous one ended, until a deadline, every request with a hard timeout.
 * An outcome is `served` (2xx, whole body read), `failed` (an HTTP error answer: the client knows
 * and may retry) or `lost` (no answer at all: the connection dropped or the timeout passed).
 */
import { performance } from 'node:perf_hooks';

export type Kind = 'research' | 'chat';

export interface Tally {
  served: number;
  failed: number;
  lost: number;
  /** Answers by HTTP status (0: no answer). */
  statuses: Record<number, number>;
  /** `error.code` of the failed answers, e.g. `storage_error`. */
  errorCodes: Record<string, number>;
  /** Ids of the research answers served (checked against the database at the end). */
  researchIds: string[];
  /** Milliseconds per request, in order. */
  durations: number[];
}

export const emptyTally = (): Tally => ({ served: 0, failed: 0, lost: 0, statuses: {}, errorCodes: {}, researchIds: [], durations: [] });

export function addTally(into: Tally, from: Tally): Tally {
  into.served += from.served;
  into.failed += from.failed;
  into.lost += from.lost;
  for (const [status, count] of Object.entries(from.statuses)) into.statuses[Number(status)] = (into.statuses[Number(status)] ?? 0) + count;
  for (const [code, count] of Object.entries(from.errorCodes)) into.errorCodes[code] = (into.errorCodes[code] ?? 0) + count;
  into.researchIds.push(...from.researchIds);
  into.durations.push(...from.durations);
  return into;
}

/** Answers with status 500 exactly (a 503 is a deliberate, retryable refusal). */
export const status500s = (tally: Tally): number => tally.statuses[500] ?? 0;

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

let sequence = 0;

/** One research (uncached: a new question) or gateway call (temperature 0.7: never cached). */
export async function sendOne(url: string, kind: Kind, tally: Tally, timeoutMs: number): Promise<void> {
  const index = ++sequence;
  const body =
    kind === 'research'
      ? { query: `How do tokio tasks yield to the scheduler, case ${index}?` }
      : { model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 60, messages: [{ role: 'user', content: `Explain Go channels, variant ${index}` }] };
  const started = performance.now();
  let status = 0;
  try {
    const response = await fetch(`${url}${kind === 'research' ? '/api/research' : '/v1/chat/completions'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    const text = await response.text();
    const parsed = JSON.parse(text) as { id?: string; error?: { code?: string; type?: string } };
    if (response.ok) {
      tally.served++;
      if (kind === 'research' && parsed.id) tally.researchIds.push(parsed.id);
    } else {
      tally.failed++;
      const code = parsed.error?.code ?? parsed.error?.type ?? 'unknown';
      tally.errorCodes[code] = (tally.errorCodes[code] ?? 0) + 1;
    }
  } catch {
    // No answer, or an answer cut before its end: the client cannot tell what happened.
    if (status !== 0) tally.failed++;
    else tally.lost++;
  }
  tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
  tally.durations.push(performance.now() - started);
}

export interface LoadOptions {
  url: string;
  /** Clients per kind. */
  clients: Record<Kind, number>;
  durationMs: number;
  /** Per-request limit (default 15 s). */
  timeoutMs?: number;
  /** Hard cap on requests sent in this load (default 2,000). */
  maxRequests?: number;
}

/** Runs the closed loops until the deadline (or the cap); returns one tally per kind. */
export async function closedLoop(options: LoadOptions): Promise<Record<Kind, Tally>> {
  const result: Record<Kind, Tally> = { research: emptyTally(), chat: emptyTally() };
  const deadline = performance.now() + options.durationMs;
  let budget = options.maxRequests ?? 2_000;
  const client = async (kind: Kind) => {
    while (performance.now() < deadline && budget-- > 0) await sendOne(options.url, kind, result[kind], options.timeoutMs ?? 15_000);
  };
  await Promise.all(
    (Object.entries(options.clients) as [Kind, number][]).flatMap(([kind, count]) => Array.from({ length: count }, () => client(kind))),
  );
  return result;
}
