import type { z } from 'zod';
import { FortitudeError } from '../../core/errors.js';

/**
 * Validates a parsed body or query against its schema; on failure throws `bad_request` naming
 * the first failing field (`messages[0].role`) and the reason.
 */
export function validateInput<Schema extends z.ZodType>(schema: Schema, value: unknown, where: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? '' : formatPath(issue.path);
  const reason = issue === undefined ? 'invalid input' : describeIssue(issue);
  const subject = field === '' ? where : field;
  throw new FortitudeError('bad_request', `${subject}: ${reason}`, { details: { field: subject } });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  if (issue.code === 'invalid_type' && issue.expected === 'object' && issue.path.length === 0) return 'must be a JSON object';
  return issue.message;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
