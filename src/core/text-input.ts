import { FortitudeError } from './errors.js';

/**
 * Refuses text PostgreSQL cannot store or compare: a NUL character (U+0000) is invalid in its
 * `text` type, so a query, id or name containing one failed as a 500 (or, read through the
 * feedback path, as a misleading 503). Called where text enters the pipeline, whatever the
 * interface, so every caller gets the same `bad_request` naming the field.
 */
export function rejectNul(field: string, value: string | undefined): void {
  if (value === undefined || !value.includes('\u0000')) return;
  throw new FortitudeError('bad_request', `${field}: must not contain a NUL character (\\u0000); remove it and send the text again`, {
    details: { field },
  });
}

/**
 * Text from outside that must be stored, not refused: a provider's answer. NUL characters become
 * U+FFFD (the replacement character), so the answer can be stored on PostgreSQL and reads back
 * as it was returned.
 */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
