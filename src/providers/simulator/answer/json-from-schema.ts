/**
 * Generates a JSON value valid against a JSON Schema, deterministically, for the simulator's
 * tool-call arguments and structured answers. Where a property's name appears in the prompt,
 * the words after it are its value (`city of Paris` → `"Paris"`); otherwise a type-appropriate
 * default that meets the schema's bounds. Handles objects, arrays, enums, `const`, strings
 * (common formats), numbers, integers, booleans, null, `$ref` to `$defs`, `anyOf`/`oneOf`/`allOf`,
 * type arrays and Gemini's upper-case types.
 */

type Schema = Record<string, unknown>;

export interface SchemaValueOptions {
  /** Text to take values from (the last user message). */
  prompt: string;
  /** Objects get every property (structured answers) or only required ones plus those the prompt names (tool arguments). */
  properties: 'all' | 'required_or_mentioned';
}

const MAX_DEPTH = 12;
const CONNECTORS = new Set(['is', 'was', 'of', 'to', 'in', 'for', 'named', 'called', 'as', 'be', 'the', 'a', 'an', 'at', '=', ':']);
const FORMAT_DEFAULTS: Readonly<Record<string, string>> = {
  date: '2025-01-01',
  'date-time': '2025-01-01T00:00:00Z',
  time: '12:00:00',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
};

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(schema: Schema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((each) => each !== 'null') : schema.type;
  if (typeof type === 'string') return type.toLowerCase();
  if (isSchema(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

/** The words of a property name as they may appear in prose: `user_name`, `userName` → `user name`. */
function spokenName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}

/** Where the name occurs in the prompt as words, the text right after it; undefined otherwise. */
function textAfterName(prompt: string, name: string): string | undefined {
  if (name === '') return undefined;
  const lower = prompt.toLowerCase();
  for (const form of new Set([name.toLowerCase(), spokenName(name)])) {
    const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`(^|[^a-z0-9])${escaped}(?![a-z0-9])`).exec(lower);
    if (match !== null) return prompt.slice(match.index + match[0].length);
  }
  return undefined;
}

/** The value words after a name: a quoted string, or a word and the capitalised words after it. */
function valueWords(rest: string): string | undefined {
  const quoted = /^\s*(?:[:=]\s*|(?:is|of|to|for|named|called|as)\s+)*["'“]([^"'”]+)["'”]/i.exec(rest);
  if (quoted !== null) return quoted[1];
  const words = rest.split(/\s+/).filter((word) => word !== '');
  let start = 0;
  while (start < words.length && CONNECTORS.has((words[start] as string).toLowerCase().replace(/[:=]$/, ''))) start++;
  const first = words[start];
  if (first === undefined) return undefined;
  const out = [first];
  // A proper name (`San Francisco`) goes on while its words are capitalised and no clause ends.
  for (let i = start + 1; i < words.length; i++) {
    const word = words[i] as string;
    if (/[,.;!?]$/.test(out.at(-1) ?? '') || !/^[A-Z]/.test(first) || !/^[A-Z]/.test(word)) break;
    out.push(word);
  }
  const text = out.join(' ').replace(/^[:=]/, '').replace(/[,.;!?)]+$/, '');
  return text === '' ? undefined : text;
}

/** A proper noun the prompt asks about (`weather in Paris?` → `Paris`), for a string nothing else fills. */
function promptSubject(prompt: string): string | undefined {
  const quoted = /["“]([^"”]+)["”]/.exec(prompt);
  if (quoted !== null) return quoted[1];
  const named = /\b(?:in|at|for|about|from|to|of|on|called|named)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)/.exec(prompt);
  return named?.[1];
}

function stringValue(schema: Schema, name: string, options: SchemaValueOptions): string {
  const after = textAfterName(options.prompt, name);
  let value = (after === undefined ? undefined : valueWords(after)) ?? FORMAT_DEFAULTS[String(schema.format)];
  value ??= options.properties === 'required_or_mentioned' ? promptSubject(options.prompt) : undefined;
  value ??= name === '' ? 'example' : `example ${spokenName(name)}`;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (value.length < min) value = value.padEnd(min, 'x');
  return value.slice(0, max);
}

function numberValue(schema: Schema, name: string, options: SchemaValueOptions, integer: boolean): number {
  const after = textAfterName(options.prompt, name);
  const mentioned = after === undefined ? undefined : /^\D{0,12}?(-?\d+(?:\.\d+)?)/.exec(after)?.[1];
  let value = mentioned === undefined ? undefined : Number(mentioned);
  const minimum = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined;
  const maximum = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined;
  value ??= minimum ?? (maximum !== undefined && maximum < 1 ? maximum : 1);
  if (minimum !== undefined && value < minimum) value = minimum;
  if (maximum !== undefined && value > maximum) value = maximum;
  return integer ? (minimum !== undefined && Math.ceil(value) >= minimum ? Math.ceil(value) : Math.floor(value)) : value;
}

function enumValue(values: readonly unknown[], name: string, options: SchemaValueOptions): unknown {
  const after = textAfterName(options.prompt, name)?.toLowerCase();
  const prompt = options.prompt.toLowerCase();
  // Prefer a value named right after the property, then one named anywhere, then the first.
  const named = (text: string | undefined) => values.find((value) => typeof value === 'string' && value !== '' && text?.includes(value.toLowerCase()));
  return named(after?.slice(0, 40)) ?? named(prompt) ?? values[0];
}

function resolve(schema: Schema, root: Schema, depth: number): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < MAX_DEPTH; hops++) {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(current.$ref as string);
    const defs = match === null ? undefined : root[match[1] as string];
    const target = isSchema(defs) ? defs[decodeURIComponent(match?.[2] ?? '')] : undefined;
    if (!isSchema(target)) return {};
    current = target;
  }
  const variants = Array.isArray(current.anyOf) ? current.anyOf : Array.isArray(current.oneOf) ? current.oneOf : undefined;
  if (variants !== undefined) {
    const chosen = variants.find((variant) => isSchema(variant) && variant.type !== 'null') ?? variants[0];
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = current;
    return resolve({ ...rest, ...(isSchema(chosen) ? chosen : {}) }, root, depth);
  }
  if (Array.isArray(current.allOf)) {
    const { allOf, ...rest } = current;
    let merged: Schema = rest;
    for (const part of allOf) {
      if (!isSchema(part)) continue;
      const resolved = resolve(part, root, depth);
      merged = {
        ...merged,
        ...resolved,
        properties: { ...(isSchema(merged.properties) ? merged.properties : {}), ...(isSchema(resolved.properties) ? resolved.properties : {}) },
        required: [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(resolved.required) ? resolved.required : [])],
      };
    }
    return merged;
  }
  return current;
}

function generate(raw: Schema, name: string, options: SchemaValueOptions, root: Schema, depth: number): unknown {
  const schema = resolve(raw, root, depth);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return enumValue(schema.enum, name, options);
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      for (const [key, value] of Object.entries(properties)) {
        const wanted = options.properties === 'all' || required.has(key) || textAfterName(options.prompt, key) !== undefined;
        if (wanted && isSchema(value)) out[key] = generate(value, key, options, root, depth + 1);
      }
      return out;
    }
    case 'array': {
      const items = isSchema(schema.items) ? schema.items : {};
      const count = Math.min(Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1), typeof schema.maxItems === 'number' ? schema.maxItems : 3);
      if (depth >= MAX_DEPTH) return [];
      return Array.from({ length: count }, () => generate(items, name, options, root, depth + 1));
    }
    case 'integer':
      return numberValue(schema, name, options, true);
    case 'number':
      return numberValue(schema, name, options, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return stringValue(schema, name, options);
  }
}

export function valueFromSchema(schema: Record<string, unknown>, options: SchemaValueOptions): unknown {
  return generate(schema, '', options, schema, 0);
}
