import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfilingService } from '../../src/operations/profiling/profiling-service.js';
import type { ProfileKind, ProfileRequest } from '../../src/operations/profiling/profiling-service.js';
import { createFakeServices } from '../http/fake-services.js';
import { startTestServer, type TestServer } from '../http/start-test-server.js';
import { cli } from './in-process-cli.js';

/**
 * `profile memory --heap-dump` against a server with heap snapshots off used to record for the
 * whole --duration and only then fail on the snapshot, writing nothing. Now the server refuses
 * at once (the memory request says a snapshot follows) with the setting that allows it.
 */

let app: TestServer;
const profiled: ProfileKind[] = [];

describe('profile memory --heap-dump against a server with heap snapshots off', () => {
  beforeAll(async () => {
    const profiling = createProfilingService({ storage: {} as never, providers: {} as never, process: { pid: process.pid } });
    const services = Object.assign(createFakeServices(), {
      dashboardSnapshot: () => Promise.resolve({}),
      alerts: () => Promise.resolve(null),
      performanceAnalysis: () => Promise.resolve({}),
      performanceReport: () => Promise.resolve({}),
      profile: (kind: ProfileKind, request: ProfileRequest) => {
        profiled.push(kind);
        return profiling.run(kind, request);
      },
      heapSnapshot: () => profiling.heapSnapshot(),
    });
    app = await startTestServer({}, services);
  });
  afterAll(async () => {
    await app.close();
  });

  it('fails at once with the setting to change, before recording, and writes no file', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'fortitude-heap-off-')), 'mem.json');
    const started = performance.now();
    const run = await cli(['profile', 'memory', '--url', app.url, '--api-key', 'key-admin', '--duration', '5', '--heap-dump', '--output', output]);
    const elapsedMs = performance.now() - started;
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('heap snapshots are off on this server');
    expect(run.stderr).toContain('server.heap_snapshots: true');
    expect(elapsedMs).toBeLessThan(2_000); // not the 5 s of --duration
    expect(existsSync(output)).toBe(false);
    expect(existsSync(output.replace(/\.json$/, '.heapsnapshot'))).toBe(false);
  });

  it('without --heap-dump the memory profile is recorded and written as before', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'fortitude-heap-off-')), 'mem.json');
    const run = await cli(['profile', 'memory', '--url', app.url, '--api-key', 'key-admin', '--duration', '0.3', '--output', output]);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(output)).toBe(true);
    expect(profiled).toContain('memory');
  });
});
