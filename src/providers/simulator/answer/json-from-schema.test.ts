import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { valueFromSchema } from './json-from-schema.js';

const all = (prompt = '') => ({ prompt, properties: 'all' as const });
const args = (prompt: string) => ({ prompt, properties: 'required_or_mentioned' as const });

describe('valueFromSchema', () => {
  it('produces values valid against a schema with every supported keyword', () => {
    const schema = {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        email: { type: 'string', format: 'email' },
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', minLength: 20, maxLength: 24 },
        count: { type: 'integer', exclusiveMinimum: 5, maximum: 9 },
        ratio: { type: 'number', minimum: 0, maximum: 0.5 },
        level: { enum: ['low', 'high'] },
        fixed: { const: 3 },
        maybe: { type: ['string', 'null'] },
        either: { oneOf: [{ type: 'null' }, { $ref: '#/$defs/point' }] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'boolean' } }, required: ['b'] }] },
        list: { type: 'array', items: { $ref: '#/$defs/point' }, minItems: 2, maxItems: 2 },
      },
      required: ['id', 'email', 'when', 'code', 'count', 'ratio', 'level', 'fixed', 'maybe', 'either', 'both', 'list'],
      additionalProperties: false,
      $defs: { point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'], additionalProperties: false } },
    };
    const value = valueFromSchema(schema, all());
    const validate = new Ajv({ strict: false }).addFormat('uuid', true).addFormat('email', true).addFormat('date-time', true).compile(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reads values after property names in the prompt, quoted or capitalised', () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, owner_name: { type: 'string' } },
      required: ['city', 'unit'],
    };
    expect(valueFromSchema(schema, args('Forecast for the city of San Francisco, days: 3, in fahrenheit'))).toEqual({
      city: 'San Francisco',
      days: 3,
      unit: 'fahrenheit',
    });
    expect(valueFromSchema(schema, args('Files with owner name "Ada L." please'))).toMatchObject({ owner_name: 'Ada L.' });
  });

  it('fills only required properties for tool arguments, taking the prompt’s subject for a string', () => {
    const schema = { type: 'object', properties: { location: { type: 'string' }, detail: { type: 'boolean' } }, required: ['location'] };
    expect(valueFromSchema(schema, args("What's the weather in Buenos Aires?"))).toEqual({ location: 'Buenos Aires' });
  });

  it('accepts Gemini upper-case types', () => {
    expect(valueFromSchema({ type: 'OBJECT', properties: { n: { type: 'INTEGER' }, s: { type: 'STRING' } } }, all())).toEqual({ n: 1, s: 'example s' });
  });
});
