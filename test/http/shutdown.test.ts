import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

const slowChat = JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'slow one' }] });

function sendSlow(app: TestServer): Promise<Response> {
  return fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH.gateway }, body: slowChat });
}

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 5));
}

function canConnect(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful shutdown', () => {
  it('lets an in-flight request finish while refusing new connections', async () => {
    const app = await startTestServer({ shutdownTimeoutMs: 5_000 });
    app.services.slowMs = 400;
    const inFlight = sendSlow(app);
    await until(() => app.server.inFlight() === 1);
    expect(app.server.inFlight()).toBe(1);
    const closed = app.close();
    expect(await canConnect(app.url)).toBe(false);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('echo: slow one');
    await closed;
    expect(app.server.inFlight()).toBe(0);
  });

  it('cuts requests still running at the bound and aborts their signal', async () => {
    const app = await startTestServer({ shutdownTimeoutMs: 200 });
    app.services.slowMs = 10_000;
    const inFlight = sendSlow(app).then(
      (response) => response.status,
      () => 'failed' as const,
    );
    await until(() => app.server.inFlight() === 1);
    const context = app.services.contexts.at(-1)!;
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(context.signal.aborted).toBe(true);
    expect(await inFlight).toBe('failed');
  });

  it('closes idle keep-alive connections at once and is idempotent', async () => {
    const app = await startTestServer({ shutdownTimeoutMs: 5_000 });
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    const started = Date.now();
    await Promise.all([app.close(), app.close()]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('request timeout', () => {
  it('answers 504 when the services do not answer within the bound', async () => {
    const app = await startTestServer({ requestTimeoutMs: 300 });
    app.services.slowMs = 5_000;
    try {
      const response = await sendSlow(app);
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: { code: 'timeout' } });
      expect(app.services.contexts.at(-1)?.signal.aborted).toBe(true);
    } finally {
      await app.close();
    }
  });
});
