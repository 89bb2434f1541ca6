import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { runMcpStdio } from '../../src/interface/mcp/mcp-stdio.js';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';
import { textOf } from './connect-client.js';
import { createFakeMcpServices } from './fake-mcp-services.js';

const CHILD = fileURLToPath(new URL('./stdio-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Frames written to a stdout stream, one JSON-RPC message per line. */
function frames(stdout: PassThrough): { lines: string[]; next(): Promise<Record<string, unknown>> } {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffer = '';
  let consumed = 0;
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      lines.push(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
    while (waiting.length > 0 && consumed < lines.length) waiting.shift()!(lines[consumed++]!);
  });
  return {
    lines,
    next: () =>
      new Promise((resolve) => {
        const take = (line: string) => resolve(JSON.parse(line) as Record<string, unknown>);
        if (consumed < lines.length) take(lines[consumed++]!);
        else waiting.push(take);
      }),
  };
}

const send = (stdin: PassThrough, message: unknown) => stdin.write(`${JSON.stringify(message)}\n`);

describe('runMcpStdio in process', () => {
  it('speaks newline-delimited JSON-RPC, survives a malformed line, keeps console output off stdout, ends with stdin', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const warnings: string[] = [];
    const output = frames(stdout);
    const originalLog = console.log;
    const session = await runMcpStdio(createFakeMcpServices(), {
      name: 'fortitude',
      version: '0.0.0-test',
      stdin,
      stdout,
      logger: { warn: (_object, message) => warnings.push(message ?? ''), error: () => undefined },
    });
    expect(console.log).not.toBe(originalLog);

    send(stdin, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect(await output.next()).toMatchObject({ id: 1, result: { serverInfo: { name: 'fortitude' } } });
    send(stdin, { jsonrpc: '2.0', method: 'notifications/initialized' });

    console.log('a stray line that must not reach the protocol stream');
    stdin.write('this is not json\n');
    expect(await output.next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('Parse error') } });
    send(stdin, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'feedback', arguments: { result_id: 'r-async', rating: 9 } } });
    const reply = await output.next();
    expect(reply).toMatchObject({ id: 2, result: { isError: true } });
    expect(textOf(reply.result)).toContain('rating must be a whole number from 1 to 5 (got 9)');
    expect(warnings).toEqual(['mcp stdio protocol error']);

    stdin.end();
    await session.closed;
    expect(console.log).toBe(originalLog);
    expect(output.lines).toHaveLength(3);
    for (const line of output.lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });
});

describe('runMcpStdio as a process, driven by the SDK stdio client', () => {
  it('lists and calls tools; stray console output goes to stderr; closing stdin ends the process', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', CHILD], cwd: ROOT, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-test-client', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(7);
      const research = (await client.callTool({ name: 'research', arguments: { query: 'What is a B-tree?', provider: 'simulator' } })) as CallToolResult;
      expect(textOf(research)).toContain('**Simulated answer.**');
      const bad = (await client.callTool({ name: 'research', arguments: { query: '' } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toContain('query must be a non-empty string');
      const { contents } = await client.readResource({ uri: 'fortitude://library/r-leak' });
      expect((contents[0] as { text: string }).text).toContain('# Why does my Node service leak memory?');
    } finally {
      await client.close();
    }
    expect(stderr).toContain('stray console.log from a dependency');
    expect(stderr).toContain('stdio session closed');
  });
});

describe('fortitude mcp as a process, fed a batch on stdin that then closes', { timeout: 120_000 }, () => {
  it('answers every request received, a line that is not JSON with -32700, then exits 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-mcp-batch-'));
    // The simulator's default latency: the research is still running when stdin ends.
    const child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'mcp'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'batch', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'research', arguments: { query: 'What is a B-tree?' } } },
    ];
    child.stdin.end(
      `${batch.map((message) => JSON.stringify(message)).join('\n')}\nthis is not json\n` +
        `${JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'classify', arguments: { query: 'What is a B-tree?' } } })}\n`,
    );

    expect(await exited).toBe(0);
    const replies = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { id: unknown; result?: unknown; error?: { code: number; message: string } });
    expect(replies.map((reply) => reply.id).sort()).toEqual([1, 2, 3, 4, null]);
    const byId = new Map(replies.map((reply) => [reply.id, reply]));
    expect(byId.get(1)).toMatchObject({ result: { serverInfo: { name: 'fortitude' } } });
    expect(byId.get(2)).toMatchObject({ result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'research' })]) } });
    const research = byId.get(3) as { result: CallToolResult };
    expect(research.result.isError).toBeFalsy();
    expect(textOf(research.result)).toMatch(/simulated/i);
    expect(byId.get(4)).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(byId.get(null)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('Parse error') } });
    // The log line names what was wrong, not `{"err":{}}`.
    expect(stderr).toContain('mcp stdio protocol error');
    expect(stderr).toMatch(/"message":"[^"]*Parse error/);
  });
});
