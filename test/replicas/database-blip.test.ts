/**
 * A PostgreSQL blip under a running application (PostgreSQL reached through a TCP proxy that is
 * cut and restored, as a database restart looks to a client): gateway traffic keeps flowing and
 * its request records land once the database is back; feedback is refused with a clean,
 * retryable `storage_error` while the database is gone (never a 500), and accepted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplication, type Application } from '../../src/app/composition.js';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { loggerOptions } from '../../src/app/component-options.js';
import { createLogger } from '../../src/infrastructure/logging/logger.js';
import { createScratchDatabase, type ScratchDatabase } from './replica-harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let database: ScratchDatabase;
let proxy: TcpProxy;
let app: Application;
const directory = mkdtempSync(join(tmpdir(), 'fortitude-blip-'));

beforeAll(async () => {
  database = await createScratchDatabase();
  proxy = await startTcpProxy({ port: 5432 });
  const config = parseConfigText('simulator: { latency_ms: 0 }\noptimizer: { enabled: false }\n', {
    env: {
      DATABASE_URL: database.url.replace(':5432/', `:${proxy.port}/`),
      FORTITUDE_DATA_DIR: directory,
      FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: join(directory, 'library'),
    },
  });
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  app = await createApplication(config, { logger: createLogger(loggerOptions(config.logging), sink) });
}, 30_000);

afterAll(async () => {
  proxy?.restore();
  await app?.close();
  await proxy?.close();
  await database?.drop();
  rmSync(directory, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const count = async (table: 'provider_requests' | 'quality_metrics' | 'user_feedback') =>
  Number((await app.storage.db.selectFrom(table).select((builder) => builder.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('a PostgreSQL blip under a running application', () => {
  it('gateway calls keep working and their request records are written once the database is back', async () => {
    const research = await app.fortitude.research({ query: 'How do I add a readiness probe to a Kubernetes deployment?' });
    await until(async () => (await count('provider_requests')) > 0);
    const before = await count('provider_requests');

    proxy.cut();
    const calls = app.pipeline.providers;
    for (let index = 0; index < 3; index++) {
      const order = calls.plan(research.classification.researchType.value);
      const answer = await calls.call(order, { model: '', temperature: 0.7, messages: [{ role: 'user', content: `Explain idempotency keys, take ${index}` }] }, {});
      expect(answer.result.text.length).toBeGreaterThan(0);
    }
    await until(() => app.recorder.stats().failedWrites > 0);
    expect(app.recorder.stats().buffered).toBeGreaterThanOrEqual(3);

    proxy.restore();
    // The writer retries with backoff; reads may meet a stale pooled connection once, too.
    await until(async () => (await count('provider_requests').catch(() => 0)) >= before + 3);
    expect(app.recorder.stats().dropped).toBe(0);
  });

  it('feedback is refused with a retryable storage_error during the outage and recorded after it', async () => {
    const research = await app.fortitude.research({ query: 'What is a B-tree index?' });
    proxy.cut();
    await expect(app.fortitude.submitFeedback({ resultId: research.id, rating: 4 })).rejects.toMatchObject({ code: 'storage_error', retryable: true });
    proxy.restore();
    // A client retries a retryable error; the first tries may meet pooled connections the outage broke.
    let saved: { id: string } | undefined;
    for (let attempt = 0; attempt < 10 && !saved; attempt++) {
      saved = await app.fortitude.submitFeedback({ resultId: research.id, rating: 4 }).catch((error: unknown) => {
        expect(error).toMatchObject({ code: 'storage_error', retryable: true });
        return undefined;
      });
    }
    expect(saved?.id).toMatch(/[0-9a-f-]{36}/);
    expect(await count('user_feedback')).toBe(1);
    // Its derived quality row is written off the request path.
    await until(async () => (await count('quality_metrics')) > 0);
  });
});
