import { asArray, isRecord } from '../wire-support.js';

/**
 * Gemini's `Schema` (function `parameters`, `responseSchema`) is an OpenAPI 3.0 subset, not JSON
 * Schema (https://ai.google.dev/api/caching#Schema): no `$ref`, no `additionalProperties`, no
 * `const`, no type arrays, a few `format`s only, and an OBJECT must list its properties. This
 * converts what maps (`$ref` inlined from `$defs`/`definitions`, `["string","null"]` →
 * `nullable`, `const` → one-value `enum`, `oneOf` → `anyOf`) and drops keywords Gemini rejects.
 */

const KEPT = new Set([
  'type',
  'description',
  'title',
  'enum',
  'nullable',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minProperties',
  'maxProperties',
  'propertyOrdering',
]);
/** Formats Gemini accepts; others (`uri`, `email`…) would be rejected, and only constrain a string. */
const FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double']);
const MAX_REF_DEPTH = 16;

type Schema = Record<string, unknown>;

function resolveRef(ref: string, root: Schema): unknown {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return undefined;
  const defs = root[match[1] as string];
  return isRecord(defs) ? defs[decodeURIComponent(match[2] as string)] : undefined;
}

function convert(schema: unknown, root: Schema, depth: number): Schema | undefined {
  if (!isRecord(schema)) return undefined;
  if (typeof schema.$ref === 'string') {
    // A recursive schema cannot be inlined forever; below the limit it becomes an open object.
    return depth < MAX_REF_DEPTH ? convert(resolveRef(schema.$ref, root), root, depth + 1) : { type: 'object' };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) if (KEPT.has(key)) out[key] = value;
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== 'null');
    if (types.length < schema.type.length) out.nullable = true;
    if (types.length === 1) out.type = types[0];
    else {
      delete out.type;
      out.anyOf = types.map((type) => ({ type }));
    }
  }
  if (schema.const !== undefined) out.enum = [schema.const];
  // Gemini enums are strings only, and need their type.
  if (Array.isArray(out.enum)) {
    out.enum = out.enum.map(String);
    out.type ??= 'string';
  }
  if (typeof schema.format === 'string' && FORMATS.has(schema.format)) out.format = schema.format;
  if (isRecord(schema.properties)) {
    const properties: Schema = {};
    for (const [name, value] of Object.entries(schema.properties)) {
      const converted = convert(value, root, depth);
      if (converted !== undefined) properties[name] = converted;
    }
    out.properties = properties;
    if (out.type === undefined) out.type = 'object';
  }
  if (Array.isArray(schema.required)) out.required = schema.required;
  if (schema.items !== undefined) out.items = convert(Array.isArray(schema.items) ? schema.items[0] : schema.items, root, depth) ?? {};
  const variants = asArray(schema.anyOf) ?? asArray(schema.oneOf);
  if (variants !== undefined) {
    const converted = variants.map((variant) => convert(variant, root, depth) ?? {});
    const nonNull = converted.filter((variant) => variant.type !== 'null');
    if (nonNull.length < converted.length) out.nullable = true;
    if (nonNull.length === 1) Object.assign(out, nonNull[0]);
    else out.anyOf = nonNull;
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) Object.assign(out, convert(schema.allOf[0], root, depth));
  return out;
}

/** The Gemini form of a JSON Schema; undefined for an object with no properties (Gemini rejects those). */
export function toGeminiSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  const converted = convert(schema, schema, 0) ?? {};
  if (converted.type === 'object' && (!isRecord(converted.properties) || Object.keys(converted.properties).length === 0)) {
    return undefined;
  }
  return converted;
}
