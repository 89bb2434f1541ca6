import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { REDACTED, redactText } from '../../infrastructure/logging/redact.js';

/** Shorter configured values are not treated as secrets (they would match ordinary strings). */
const MIN_SECRET_LENGTH = 6;

/**
 * Rewrites a `.heapsnapshot` stream with secrets replaced by `[REDACTED]`: every configured
 * secret (provider API keys, passwords in database and Redis URLs) wherever it appears, and
 * anything shaped like a key (`redactText`: provider key formats, Fortitude's `ftd_` keys of
 * every user, bearer tokens). Strings are referenced by index in the snapshot, so changing their
 * text keeps the file valid for DevTools.
 *
 * V8 writes a raw newline between strings (and between nodes and edges); JSON never has one
 * inside a string, so text is scrubbed up to the last newline of each chunk and the rest waits
 * for the next: a secret is never split between two scrubbed pieces.
 */
export function redactHeapSnapshot(secrets: readonly string[]): Transform {
  const needles = [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .map((secret) => JSON.stringify(secret).slice(1, -1))
    .sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => {
    let result = text;
    for (const needle of needles) if (result.includes(needle)) result = result.replaceAll(needle, REDACTED);
    // Key shapes are matched on decoded strings: on the JSON text a pattern could end inside an
    // escape (`\"`) and break the file. Most chunks have none, so the whole chunk is tested first.
    return redactText(result) === result ? result : result.split('\n').map(redactLine).join('\n');
  };
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const text = pending + decoder.write(chunk);
      const cut = text.lastIndexOf('\n');
      if (cut === -1) {
        pending = text;
        callback();
        return;
      }
      pending = text.slice(cut + 1);
      callback(null, scrub(text.slice(0, cut + 1)));
    },
    flush(callback) {
      callback(null, scrub(pending + decoder.end()));
    },
  });
}

/** One line of the snapshot: a JSON string literal (the `strings` array) is decoded, scrubbed, re-encoded. */
const STRING_LINE = /^"((?:[^"\\]|\\.)*)"(.*)$/s;

function redactLine(line: string): string {
  const match = STRING_LINE.exec(line);
  if (match === null) return line;
  let value: string;
  try {
    value = JSON.parse(`"${match[1]!}"`) as string;
  } catch {
    return line;
  }
  const scrubbed = redactText(value);
  return scrubbed === value ? line : `${JSON.stringify(scrubbed)}${match[2]!}`;
}
