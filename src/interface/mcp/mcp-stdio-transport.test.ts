import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createLineMcpLogger } from './mcp-services.js';
import { McpStdioTransport } from './mcp-stdio-transport.js';

async function started() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = new McpStdioTransport(stdin, stdout);
  const received: JSONRPCMessage[] = [];
  const errors: string[] = [];
  let closes = 0;
  transport.onmessage = (message) => received.push(message);
  transport.onerror = (error) => errors.push(error.message);
  transport.onclose = () => (closes += 1);
  await transport.start();
  const written = (): unknown[] =>
    (stdout.read() as Buffer | null)
      ?.toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown) ?? [];
  return { stdin, stdout, transport, received, errors, written, closes: () => closes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const request = (id: number) => ({ jsonrpc: '2.0' as const, id, method: 'ping' });

describe('McpStdioTransport', () => {
  it('answers a line that is not JSON with -32700 and JSON that is not JSON-RPC with -32600, and reports both', async () => {
    const session = await started();
    session.stdin.write('not json\n{"id":7,"hello":1}\n[1]\n\n{"jsonrpc":"2.0","id":1,"method":"ping"}\r\n');
    await tick();
    expect(session.received).toEqual([request(1)]);
    expect(session.written()).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: .*not valid JSON/) } },
      { jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' } },
    ]);
    expect(session.errors).toHaveLength(3);
    expect(session.errors[0]).toMatch(/Parse error/);
  });

  it('when stdin ends, closes only after every request received is answered or cancelled', async () => {
    const session = await started();
    session.stdin.end(
      `${JSON.stringify(request(1))}\n${JSON.stringify(request(2))}\n` +
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } })}\n` +
        JSON.stringify(request(3)), // the last line has no newline
    );
    await tick();
    expect(session.received.map((message) => ('id' in message ? message.id : 'notification'))).toEqual([1, 2, 'notification', 3]);
    await session.transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(session.closes()).toBe(0);
    await session.transport.send({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'failed' } });
    expect(session.closes()).toBe(1);
    expect(session.written()).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'failed' } },
    ]);
  });

  it('closes when stdin ends with nothing in flight, and at once on close()', async () => {
    const idle = await started();
    idle.stdin.end();
    await tick();
    expect(idle.closes()).toBe(1);

    const busy = await started();
    busy.stdin.write(`${JSON.stringify(request(1))}\n`);
    await tick();
    await busy.transport.close();
    await busy.transport.close();
    expect(busy.closes()).toBe(1);
  });
});

describe('createLineMcpLogger', () => {
  it('writes an error as its type, message and code, not {}', () => {
    const lines: string[] = [];
    const logger = createLineMcpLogger((line) => lines.push(line));
    logger.warn({ err: Object.assign(new SyntaxError('Unexpected token'), { code: 'E_X' }), tool: 'research' }, 'mcp failed');
    expect(lines).toEqual(['mcp failed {"err":{"type":"SyntaxError","message":"Unexpected token","code":"E_X"},"tool":"research"}']);
  });
});
