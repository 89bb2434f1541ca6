import { describe, expect, it } from 'vitest';
import type { HttpLogger } from '../../src/interface/http/http-logger.js';
import { createFakeServices } from './fake-services.js';
import { AUTH, startTestServer } from './start-test-server.js';

function capturingLogger(): HttpLogger & { lines: { level: string; object: Record<string, unknown>; message?: string }[] } {
  const lines: { level: string; object: Record<string, unknown>; message?: string }[] = [];
  const record = (level: string) => (object: object, message?: string) => {
    lines.push({ level, object: object as Record<string, unknown>, ...(message === undefined ? {} : { message }) });
  };
  return { lines, isLevelEnabled: () => true, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

async function until(condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < 2_000) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('access log', () => {
  it('logs sampled requests at debug, without bodies or keys', async () => {
    const logger = capturingLogger();
    const app = await startTestServer({ accessLogSampleRate: 0.5 }, createFakeServices(), logger);
    try {
      for (let index = 0; index < 4; index++) {
        await fetch(`${app.url}/api/research`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...AUTH.research, 'x-request-id': `req-${index}` },
          body: JSON.stringify({ query: `secret-body-${index}` }),
        });
      }
      await until(() => logger.lines.length >= 2);
      const access = logger.lines.filter((line) => line.message === 'http request');
      expect(access).toHaveLength(2);
      expect(access.every((line) => line.level === 'debug')).toBe(true);
      expect(access.map((line) => line.object.requestId)).toEqual(['req-1', 'req-3']);
      expect(access[0]!.object).toMatchObject({ method: 'POST', path: '/api/research', status: 200, key: 'researcher' });
      const text = JSON.stringify(logger.lines);
      expect(text).not.toContain('secret-body');
      expect(text).not.toContain('key-research');
    } finally {
      await app.close();
    }
  });

  it('logs unexpected failures at error level with the request id', async () => {
    const logger = capturingLogger();
    const app = await startTestServer({ accessLogSampleRate: 0 }, createFakeServices(), logger);
    try {
      const response = await fetch(`${app.url}/api/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AUTH.research },
        body: JSON.stringify({ query: 'boom' }),
      });
      expect(response.status).toBe(500);
      const errors = logger.lines.filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.object.requestId).toBe(response.headers.get('x-request-id'));
      expect(logger.lines.some((line) => line.message === 'http request')).toBe(false);
    } finally {
      await app.close();
    }
  });
});
