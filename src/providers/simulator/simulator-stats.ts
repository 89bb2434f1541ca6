/** Counters per simulated provider, for tests and benchmarks. */
export interface SimulatorStats {
  /** Every HTTP request routed to this provider. */
  requests: number;
  /** Requests currently open (including hung ones). */
  inFlight: number;
  chat: number;
  streams: number;
  embeddings: number;
  /** 2xx answers. */
  ok: number;
  /** 4xx/5xx answers by status code. */
  byStatus: Record<number, number>;
  rateLimited: number;
  serverErrors: number;
  hangs: number;
  resets: number;
  truncated: number;
  streamErrors: number;
  inputTokens: number;
  outputTokens: number;
}

export function createStats(): SimulatorStats {
  return {
    requests: 0,
    inFlight: 0,
    chat: 0,
    streams: 0,
    embeddings: 0,
    ok: 0,
    byStatus: {},
    rateLimited: 0,
    serverErrors: 0,
    hangs: 0,
    resets: 0,
    truncated: 0,
    streamErrors: 0,
    inputTokens: 0,
    outputTokens: 0,
  };
}

export function recordStatus(stats: SimulatorStats, status: number): void {
  if (status < 300) {
    stats.ok++;
    return;
  }
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  if (status === 429) stats.rateLimited++;
  else if (status >= 500) stats.serverErrors++;
}
