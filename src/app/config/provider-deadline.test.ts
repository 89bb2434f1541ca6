import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseConfigText } from './load-config.js';
import { providerStackOptions } from '../component-options.js';

function problemsOf(text: string) {
  try {
    parseConfigText(text, { file: 'test.yaml' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('provider deadline and hedging (issue 14.5)', () => {
  it("defaults the deadline to each provider's timeout_seconds and hedging to auto", () => {
    const config = parseConfigText('');
    const options = (name: string) => providerStackOptions(config.providers[name]!);
    expect([options('openai').deadlineMs, options('claude').deadlineMs, options('gemini').deadlineMs]).toEqual([30_000, 30_000, 25_000]);
    expect(options('openai').hedgeAfterMs).toBe('auto');
  });

  it('reads deadline_seconds and hedge_after as durations', () => {
    const config = parseConfigText(['providers:', '  openai: { deadline_seconds: 8, hedge_after: 1.5s }', '  claude: { deadline_seconds: 2500ms, hedge_after: 700 }'].join('\n'));
    expect(providerStackOptions(config.providers.openai!)).toMatchObject({ deadlineMs: 8_000, hedgeAfterMs: 1_500 });
    expect(providerStackOptions(config.providers.claude!)).toMatchObject({ deadlineMs: 2_500, hedgeAfterMs: 700 });
  });

  it('names the key and the fix for a bad value', () => {
    expect(problemsOf('providers:\n  openai: { deadline_seconds: 0 }').join('\n')).toMatch(/providers\.openai\.deadline_seconds: .*positive duration such as 30s/);
    expect(problemsOf('providers:\n  openai: { hedge_after: 0 }').join('\n')).toMatch(/providers\.openai\.hedge_after: .*auto or a positive duration such as 800ms/);
    expect(problemsOf('providers:\n  openai: { hedge_after: soon }').join('\n')).toMatch(/providers\.openai\.hedge_after: must be auto or a positive duration such as 800ms or 2s \(got "soon"\)/);
  });
});
