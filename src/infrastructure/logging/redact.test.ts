import { describe, expect, it } from 'vitest';
import { redactText, redactValue } from './redact.js';

describe('redactText', () => {
  it('redacts provider keys, bearer tokens and the values of secret-named keys', () => {
    expect(redactText('calling with sk-proj-abcdefghijklmnop1234567890')).toBe('calling with [REDACTED]');
    expect(redactText('Authorization: Bearer abcdefgh12345678')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactText('authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe('authorization: Basic [REDACTED]');
    expect(redactText('x-api-key: 0123456789abcdef')).toBe('x-api-key: [REDACTED]');
    expect(redactText('GET /models?api_key=abc123xyz&alt=sse')).toBe('GET /models?api_key=[REDACTED]&alt=sse');
    expect(redactText('{"api_key":"abcdef12345","model":"m"}')).toBe('{"api_key":"[REDACTED]","model":"m"}');
    expect(redactText('password: S3cr3t!! rejected')).toBe('password: [REDACTED] rejected');
    // Not the start of a sentence about the key: capitals inside, or nothing after it.
    expect(redactText('token: AbCdEfGhIj was refused')).toBe('token: [REDACTED] was refused');
    expect(redactText('password=hunterhunter')).toBe('password=[REDACTED]');
    // A lowercase word followed by more text is still a value unless it starts one of Fortitude's sentences.
    expect(redactText('password: correcthorse battery staple')).toBe('password: [REDACTED] battery staple');
  });

  it('leaves placeholders alone', () => {
    const help = 'send it as "Authorization: Bearer <key>" (fortitude profile: --api-key or FORTITUDE_API_KEY)';
    expect(redactText(help)).toBe(help);
    expect(redactText('set api_key: <your-api-key> in fortitude.yaml')).toBe('set api_key: <your-api-key> in fortitude.yaml');
    expect(redactText('api_key: ${MY_SECRET_KEY}')).toBe('api_key: ${MY_SECRET_KEY}');
  });

  it('leaves a sentence about a secret-named key alone', () => {
    const problem = 'fortitude.yaml:4:5 providers.openai.api_key: environment variable MY_SECRET_KEY is not set';
    expect(redactText(problem)).toBe(problem);
    expect(redactText('providers.openai.api_key: expected string, received number')).toBe('providers.openai.api_key: expected string, received number');
  });
});

describe('redactValue', () => {
  it('replaces secret fields whatever their value and scrubs strings', () => {
    expect(redactValue({ api_key: 'environment variable', note: 'Authorization: Bearer abcdefgh12345678' })).toEqual({
      api_key: '[REDACTED]',
      note: 'Authorization: Bearer [REDACTED]',
    });
  });
});
