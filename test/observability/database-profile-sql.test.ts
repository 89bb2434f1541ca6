import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../replicas/replica-harness.js';
import { cli } from './in-process-cli.js';
import { spawnServerWithAdminKey, startTraffic, type SpawnedServer } from './spawn-server.js';

/**
 * `fortitude profile database --slow-queries --explain` against a real `fortitude serve` on
 * SQLite and on PostgreSQL while research traffic flows: the output names the SQL of the slow
 * statements (threshold 0 ms: all of them) with placeholders, and their plans.
 */

const QUERY_MARK = 'zebra-marker-4411';

describe.each(['sqlite', 'postgres'] as const)('profile database --explain on %s', { timeout: 120_000 }, (engine) => {
  let server: SpawnedServer | undefined;
  let scratch: ScratchDatabase | undefined;
  let adminKey: string;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'fortitude-dbprofile-'));
    if (engine === 'postgres') scratch = await createScratchDatabase();
    ({ server, adminKey } = await spawnServerWithAdminKey(scratch ? { DATABASE_URL: scratch.url } : {}));
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await scratch?.drop();
  });

  it('prints the SQL of slow statements and a plan for each', async () => {
    const traffic = startTraffic(server!.url, (count) => `How do I index a ${QUERY_MARK} table number ${count}?`);
    const file = join(out, 'database-profile.json');
    let run;
    try {
      run = await cli(['profile', 'database', '--url', server!.url, '--api-key', adminKey, '--duration', '1.5', '--explain', '--min-duration', '0ms', '--output', file]);
    } finally {
      await traffic.stop();
    }
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Slow statements (SQL as sent, parameters not shown');
    expect(run.stdout).toMatch(/insert into "research_results"/i);
    expect(run.stdout).toMatch(engine === 'sqlite' ? /values \(\?, \?/i : /values \(\$1, \$2/i);
    expect(run.stdout).toMatch(/^ {4}plan:$/m);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { slowStatements: { sql: string; plan?: string[] }[]; totalStatements: number };
    expect(profile.totalStatements).toBeGreaterThan(0);
    expect(profile.slowStatements.some((statement) => (statement.plan?.length ?? 0) > 0)).toBe(true);
    // The research queries (user data) travel as parameters: never in the output or the file.
    expect(run.stdout).not.toContain(QUERY_MARK);
    expect(readFileSync(file, 'utf8')).not.toContain(QUERY_MARK);
  });
});
