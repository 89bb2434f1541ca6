import { z } from 'zod';

/**
 * Tool arguments: one zod schema per tool gives both the JSON Schema clients see in `tools/list`
 * and the validation of `tools/call`. Failures become one sentence per field that names the
 * field, the rule (derived from the same JSON Schema, so the two cannot drift) and what was sent:
 * `rating must be a whole number from 1 to 5 (got 9)`.
 */

/** The JSON Schema of a tool's arguments, as listed by `tools/list`. */
export interface ToolInputJsonSchema {
  type: 'object';
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
  [key: string]: unknown;
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  [key: string]: unknown;
}

export type ParsedArguments<Output> = { ok: true; value: Output } | { ok: false; message: string; fields: string[] };

/** Computed once per tool at startup; `tools/list` then answers with a constant. */
export function toInputJsonSchema(schema: z.ZodObject): ToolInputJsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

export function parseToolArguments<Schema extends z.ZodObject>(
  toolName: string,
  schema: Schema,
  json: ToolInputJsonSchema,
  raw: unknown,
): ParsedArguments<z.output<Schema>> {
  // A call without `arguments` is a call with none.
  const result = schema.safeParse(raw ?? {});
  if (result.success) return { ok: true, value: result.data };
  const problems: string[] = [];
  const fields: string[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.');
    if (field !== '' && fields.includes(field)) continue; // one sentence per field
    if (field !== '') fields.push(field);
    problems.push(describeIssue(issue, field, json, raw));
  }
  return { ok: false, message: `Invalid arguments for tool "${toolName}": ${problems.join('; ')}.`, fields };
}

function describeIssue(issue: z.core.$ZodIssue, field: string, json: ToolInputJsonSchema, raw: unknown): string {
  const accepted = Object.keys(json.properties ?? {});
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys.map((key) => `"${key}"`).join(', ');
    const plural = issue.keys.length > 1 ? 's' : '';
    return `unknown argument${plural} ${unknown} (accepted: ${accepted.length > 0 ? accepted.join(', ') : 'none'})`;
  }
  if (field === '') return 'arguments must be a JSON object';
  const property = json.properties?.[field];
  const rule = property === undefined ? undefined : describeRule(property);
  const value = valueAt(raw, issue.path);
  if (value === undefined) return `${field} is required${rule === undefined ? '' : ` (${rule})`}`;
  return `${field} must be ${rule ?? issue.message}${preview(value)}`;
}

/** A JSON Schema property in words: `one of a, b`, `a whole number from 1 to 5`, … */
export function describeRule(property: JsonSchemaProperty): string | undefined {
  if (Array.isArray(property.enum)) return `one of ${property.enum.map(String).join(', ')}`;
  switch (property.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `a whole number${range(property.minimum, property.maximum)}`;
    case 'number':
      return `a number${range(property.minimum, property.maximum)}`;
    case 'string': {
      const nonEmpty = (property.minLength ?? 0) >= 1 ? 'a non-empty string' : 'a string';
      return property.maxLength === undefined ? nonEmpty : `${nonEmpty} of at most ${property.maxLength} characters`;
    }
    default:
      return undefined;
  }
}

function range(rawMinimum: number | undefined, rawMaximum: number | undefined): string {
  // zod's .int() adds the safe-integer bounds; they are not a rule anyone needs to read.
  const minimum = rawMinimum === undefined || rawMinimum <= Number.MIN_SAFE_INTEGER ? undefined : rawMinimum;
  const maximum = rawMaximum === undefined || rawMaximum >= Number.MAX_SAFE_INTEGER ? undefined : rawMaximum;
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return ` of at least ${minimum}`;
  if (maximum !== undefined) return ` of at most ${maximum}`;
  return '';
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What was sent, briefly: enough to spot the mistake, never a whole document echoed back. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return '';
  }
  return text.length <= 60 ? ` (got ${text})` : ` (got ${text.slice(0, 57)}…)`;
}
