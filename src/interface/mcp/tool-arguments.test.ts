import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeRule, parseToolArguments, toInputJsonSchema } from './tool-arguments.js';

const schema = z.strictObject({
  name: z.string().min(1).max(20),
  note: z.string().optional(),
  count: z.number().int().min(0).default(1),
  ratio: z.number().max(1).optional(),
  mode: z.enum(['fast', 'slow']).optional(),
});
const json = toInputJsonSchema(schema);

describe('toInputJsonSchema', () => {
  it('is the input-side JSON Schema without a $schema dialect', () => {
    expect(json).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 20 },
        note: { type: 'string' },
        count: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
        ratio: { type: 'number', maximum: 1 },
        mode: { type: 'string', enum: ['fast', 'slow'] },
      },
      required: ['name'],
      additionalProperties: false,
    });
  });
});

describe('describeRule', () => {
  it('words each kind of property', () => {
    expect(describeRule({ type: 'string' })).toBe('a string');
    expect(describeRule({ type: 'string', minLength: 1 })).toBe('a non-empty string');
    expect(describeRule({ type: 'integer', minimum: 0 })).toBe('a whole number of at least 0');
    expect(describeRule({ type: 'number', maximum: 1 })).toBe('a number of at most 1');
    expect(describeRule({ type: 'number' })).toBe('a number');
    expect(describeRule({ enum: ['a', 'b'] })).toBe('one of a, b');
    expect(describeRule({ type: 'array' })).toBeUndefined();
  });
});

describe('parseToolArguments', () => {
  it('applies defaults and trims nothing it was not told to', () => {
    expect(parseToolArguments('t', schema, json, { name: ' x ' })).toEqual({ ok: true, value: { name: ' x ', count: 1 } });
  });

  it('treats missing arguments as an empty object', () => {
    const parsed = parseToolArguments('t', schema, json, undefined);
    expect(parsed).toEqual({ ok: false, message: 'Invalid arguments for tool "t": name is required (a non-empty string of at most 20 characters).', fields: ['name'] });
  });

  it('names every failing field once, with the value sent', () => {
    const parsed = parseToolArguments('t', schema, json, { name: 'n', count: -1.5, mode: 'medium', extra: true, more: 1 });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.fields).toEqual(['count', 'mode']);
    expect(parsed.message).toBe(
      'Invalid arguments for tool "t": count must be a whole number of at least 0 (got -1.5); mode must be one of fast, slow (got "medium"); ' +
        'unknown arguments "extra", "more" (accepted: name, note, count, ratio, mode).',
    );
  });

  it('a non-object is named as such', () => {
    const parsed = parseToolArguments('t', schema, json, 'name=x');
    expect(parsed).toMatchObject({ ok: false, message: 'Invalid arguments for tool "t": arguments must be a JSON object.' });
  });
});
