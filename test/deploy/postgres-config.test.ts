import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY_DIR } from './manifest-files.js';

/**
 * `postgres -C <setting> --config-file=<file>` reads the whole file the way the server does at
 * start-up and prints one setting in its base unit; an unknown name or a malformed value is
 * fatal. It needs a data directory to exist, not to hold a cluster, and starts no server.
 */

const CONFIG_FILE = join(DEPLOY_DIR, 'postgresql', 'postgresql.conf');
const hasPostgres = spawnSync('postgres', ['--version'], { encoding: 'utf8' }).status === 0;
const dataDir = mkdtempSync(join(tmpdir(), 'fortitude-pg-conf-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function show(setting: string, configFile = CONFIG_FILE): { status: number | null; value: string; log: string } {
  const result = spawnSync('postgres', ['-C', setting, `--config-file=${configFile}`, '-D', dataDir], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, value: result.stdout.trim(), log: result.stderr };
}

describe.skipIf(!hasPostgres)('deploy/postgresql/postgresql.conf loads into postgres', () => {
  it.each([
    // [setting, value as PostgreSQL reports it (8kB pages, kB, ms, s)]
    ['shared_buffers', String((4 * 1024 * 1024) / 8)], // 4GB
    ['effective_cache_size', String((12 * 1024 * 1024) / 8)], // 12GB
    ['work_mem', String(32 * 1024)], // 32MB
    ['maintenance_work_mem', String(1024 * 1024)], // 1GB
    ['wal_buffers', String((64 * 1024) / 8)], // 64MB
    ['checkpoint_timeout', '900'], // 15min
    ['checkpoint_completion_target', '0.9'],
    ['max_wal_size', String(4 * 1024)], // MB
    ['default_statistics_target', '500'],
    ['random_page_cost', '1.1'],
    ['max_connections', '200'],
    ['shared_preload_libraries', 'pg_stat_statements'],
    ['log_min_duration_statement', '100'],
    ['log_lock_waits', 'on'],
  ])('%s = %s', (setting, expected) => {
    const result = show(setting);
    expect(result.status, result.log).toBe(0);
    expect(result.value).toBe(expected);
  });

  it('fails on a misspelt setting (the check can fail)', () => {
    const broken = join(dataDir, 'broken.conf');
    writeFileSync(broken, "shared_bufers = '4GB'\n");
    const result = show('shared_buffers', broken);
    expect(result.status).not.toBe(0);
    expect(result.log).toMatch(/unrecognized configuration parameter "shared_bufers"/);
  });
});
