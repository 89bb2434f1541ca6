import { describe, expect, it } from 'vitest';
import { renderProviderStatus } from '../../src/interface/cli/commands/admin-commands.js';
import { createManualClock } from '../../src/providers/clock.js';
import { RateLimiter } from '../../src/providers/rate-limit/rate-limiter.js';

/** The "rate limit left" cell of the table's only row. */
function leftCell(table: string): string {
  const row = table.split('\n').find((line) => line.includes('anthropic') && line.startsWith('│'))!;
  return row.split('│').map((cell) => cell.trim()).at(-2)!;
}

const entry = (rateLimit: unknown) => ({ name: 'anthropic', kind: 'anthropic', model: 'claude', simulated: false, healthy: true, breaker: 'closed', latency: {}, requests: 0, rateLimit });

describe('providers status: rate limit left and connections', () => {
  it('says nothing on a fresh start, then the quota the provider reported, until its reset passes', async () => {
    const clock = createManualClock();
    // The seed's anthropic block: 120 requests a minute, no burst allowance (a bucket of one).
    const limiter = new RateLimiter('anthropic', { requestsPerMinute: 120 }, { clock });
    const fresh = await limiter.snapshot();
    expect(fresh.providerRequestsRemaining).toBeUndefined();
    expect(leftCell(renderProviderStatus([entry(fresh)]))).toBe('—'); // was "1 req"

    limiter.observe({ remainingRequests: 3999, resetRequestsMs: 60_000 }, 200);
    const reported = await limiter.snapshot();
    expect(reported.providerRequestsRemaining).toBe(3999);
    expect(leftCell(renderProviderStatus([entry(reported)]))).toBe('3999 req');

    await clock.advance(60_000);
    expect((await limiter.snapshot()).providerRequestsRemaining).toBeUndefined();
    await limiter.close();
  });

  it('shows the open connections to the provider and the calls waiting for one', () => {
    const connectionsCell = (connections: unknown) => {
      const table = renderProviderStatus([{ ...entry({}), connections }]);
      const row = table.split('\n').find((line) => line.includes('anthropic') && line.startsWith('│'))!;
      return row.split('│').map((cell) => cell.trim()).at(-3)!;
    };
    expect(connectionsCell({ origin: 'https://api.anthropic.com', connected: 12, idle: 2, running: 10, pending: 0 })).toBe('12 open');
    expect(connectionsCell({ origin: 'https://api.anthropic.com', connected: 100, idle: 0, running: 100, pending: 37 })).toBe('100 open, 37 waiting');
    expect(connectionsCell(undefined)).toBe('—');
  });
});
