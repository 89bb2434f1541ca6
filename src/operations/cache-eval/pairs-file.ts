/**
 * The input files of `fortitude cache eval`: labelled pairs (JSONL) and plain question lists
 * (JSONL or one question a line). Every problem names the file, the line and the field.
 */

import { readFile, stat } from 'node:fs/promises';
import { FortitudeError, isFortitudeError } from '../../core/errors.js';
import { validateQuery } from '../../pipeline/pipeline.js';

export interface LabelledPair {
  q1: string;
  q2: string;
  duplicate: boolean;
  category?: string;
  /** 1-based line in its file, for reports. */
  line: number;
}

/** More lines than this is a mistake (or an attack), not an evaluation set. */
export const MAX_LINES = 1_000_000;
/** Read whole into memory: bounded so a wrong path (a disk image, a log) fails fast. */
export const MAX_BYTES = 256 * 2 ** 20;

async function readLines(path: string, flag: string): Promise<string[]> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_BYTES) throw new FortitudeError('bad_request', `${flag} ${path}: ${(size / 2 ** 20).toFixed(0)} MiB; at most ${MAX_BYTES / 2 ** 20} MiB are read — split the file`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isFortitudeError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new FortitudeError('bad_request', `${flag} ${path}: cannot read the file (${why}); pass an existing JSONL file`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw new FortitudeError('bad_request', `${flag} ${path}: ${lines.length} lines; at most ${MAX_LINES} are read — split the file`);
  return lines;
}

function question(value: unknown, where: string, field: string): string {
  if (typeof value !== 'string') {
    const got = value === undefined ? 'missing' : `got ${value === null ? 'null' : typeof value}`;
    throw new FortitudeError('bad_request', `${where}: field "${field}": expected a question string (${got})`, { details: { field } });
  }
  try {
    return validateQuery(value);
  } catch (error) {
    if (!isFortitudeError(error)) throw error;
    // validateQuery says "query: …"; name this file's field instead.
    throw new FortitudeError('bad_request', `${where}: field "${field}": ${error.message.replace(/^query: /, '')}`, { details: { field } });
  }
}

function parseJsonLine(line: string, where: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    throw new FortitudeError('bad_request', `${where}: not valid JSON (${error instanceof Error ? error.message : String(error)}); each line must be one JSON object`);
  }
}

/** Reads `{"q1","q2","duplicate":true|false,"category"?}` lines; blank lines are skipped. */
export async function readPairs(path: string, flag = '--pairs'): Promise<LabelledPair[]> {
  const pairs: LabelledPair[] = [];
  for (const [index, raw] of (await readLines(path, flag)).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const where = `${flag} ${path} line ${index + 1}`;
    const value = parseJsonLine(line, where);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new FortitudeError('bad_request', `${where}: expected a JSON object {"q1", "q2", "duplicate"} (got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)})`);
    const record = value as Record<string, unknown>;
    const q1 = question(record.q1, where, 'q1');
    const q2 = question(record.q2, where, 'q2');
    if (typeof record.duplicate !== 'boolean')
      throw new FortitudeError('bad_request', `${where}: field "duplicate": expected true or false (got ${record.duplicate === undefined ? 'nothing' : JSON.stringify(record.duplicate)})`, { details: { field: 'duplicate' } });
    let category: string | undefined;
    if (record.category !== undefined && record.category !== null) {
      if (typeof record.category !== 'string' || record.category.length > 100)
        throw new FortitudeError('bad_request', `${where}: field "category": expected a short string (got ${JSON.stringify(record.category).slice(0, 60)})`, { details: { field: 'category' } });
      category = record.category;
    }
    pairs.push({ q1, q2, duplicate: record.duplicate, ...(category ? { category } : {}), line: index + 1 });
  }
  if (pairs.length === 0) throw new FortitudeError('bad_request', `${flag} ${path}: no pairs found; expected one {"q1", "q2", "duplicate"} object a line`);
  return pairs;
}

/**
 * Reads questions: a JSONL line is a JSON string or an object with `q`, `query`, `question` or
 * `q1`; any other line is the question itself. Blank lines are skipped.
 */
export async function readQuestions(path: string, flag: string): Promise<string[]> {
  const questions: string[] = [];
  for (const [index, raw] of (await readLines(path, flag)).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const where = `${flag} ${path} line ${index + 1}`;
    if (line.startsWith('{') || line.startsWith('"')) {
      const value = parseJsonLine(line, where);
      if (typeof value === 'string') {
        questions.push(question(value, where, 'question'));
        continue;
      }
      const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      const field = ['q', 'query', 'question', 'q1'].find((name) => record[name] !== undefined);
      if (!field) throw new FortitudeError('bad_request', `${where}: expected a JSON string or an object with a "question" (or "q", "query", "q1") field`, { details: { field: 'question' } });
      questions.push(question(record[field], where, field));
      continue;
    }
    questions.push(question(line, where, 'question'));
  }
  if (questions.length === 0) throw new FortitudeError('bad_request', `${flag} ${path}: no questions found; expected one question a line`);
  return questions;
}
