import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { FortitudeError } from '../../core/errors.js';
import { formatPath, validateInput } from './validate-input.js';

describe('validateInput', () => {
  const schema = z.object({ items: z.array(z.object({ name: z.string() })) });

  it('returns the parsed value', () => {
    expect(validateInput(schema, { items: [{ name: 'a' }] }, 'body')).toEqual({ items: [{ name: 'a' }] });
  });

  it('throws bad_request naming the field path and the reason', () => {
    let caught: unknown;
    try {
      validateInput(schema, { items: [{ name: 'a' }, {}] }, 'body');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FortitudeError);
    expect((caught as FortitudeError).code).toBe('bad_request');
    expect((caught as FortitudeError).message).toBe('items[1].name: is required');
    expect((caught as FortitudeError).details).toEqual({ field: 'items[1].name' });
  });

  it('names the whole body when it is not an object', () => {
    expect(() => validateInput(schema, [], 'body')).toThrow('body: must be a JSON object');
  });

  it('formats paths', () => {
    expect(formatPath(['a', 0, 'b', 12])).toBe('a[0].b[12]');
    expect(formatPath([])).toBe('');
  });
});
