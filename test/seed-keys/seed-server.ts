/**
 * What the seed-key suites share: a directory with a `fortitude.yaml`, research requests to a
 * spawned `serve`, and the `provider_requests` rows it recorded (which provider answered).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';

/** No hedged second try beside a slow one: each request reaches exactly one provider. */
export const NO_HEDGING = ['providers:', '  openai: { hedge_after: 30s }', '  claude: { hedge_after: 30s }', '  gemini: { hedge_after: 30s }'];

/** Openai first in a fixed order. */
export const FIXED_ORDER = ['selection_strategy:', '  type: fixed_order', '  order: [openai, claude, gemini]'];

/** `cost_management` lines: openai and claude dear, gemini cheap (their default models). */
export const GEMINI_CHEAPEST = [
  '  pricing:',
  '    gpt-4o-mini: { input_per_million: 50, output_per_million: 50 }',
  '    claude-3-5-haiku-20241022: { input_per_million: 50, output_per_million: 50 }',
  '    gemini-2.0-flash: { input_per_million: 0.1, output_per_million: 0.1 }',
];

/** A new temporary directory holding a `fortitude.yaml` of `lines`. */
export function configDir(name: string, lines: string[]): string {
  const cwd = mkdtempSync(join(tmpdir(), `fortitude-${name}-`));
  writeFileSync(join(cwd, 'fortitude.yaml'), [...lines, ''].join('\n'));
  return cwd;
}

/** `POST /api/research`; the status and the provider that answered. */
export async function research(url: string, body: Record<string, unknown>): Promise<{ status: number; provider?: string }> {
  const response = await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as { provider?: string };
  return { status: response.status, provider: json.provider };
}

/** `research`, expecting a 200; the provider that answered. */
export async function researchOk(url: string, body: Record<string, unknown>): Promise<string | undefined> {
  const answer = await research(url, body);
  expect(answer.status).toBe(200);
  return answer.provider;
}

/** Reads the server's SQLite database (read-only) after or while it runs. */
export function readDatabase<T>(cwd: string, read: (database: Database.Database) => T): T {
  const database = new Database(join(cwd, '.fortitude', 'fortitude.db'), { readonly: true });
  try {
    return read(database);
  } finally {
    database.close();
  }
}

/** `provider_requests` rows matching `where` (SQL, `?` bound to `parameters`). */
export function countRequests(cwd: string, where: string, ...parameters: unknown[]): number {
  return readDatabase(cwd, (database) => (database.prepare(`SELECT COUNT(*) AS n FROM provider_requests WHERE ${where}`).get(...parameters) as { n: number }).n);
}
