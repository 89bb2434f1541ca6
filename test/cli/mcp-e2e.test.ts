import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

type TextContent = { type: string; text?: string }[];

describe('fortitude mcp over stdio (real process, embedded defaults)', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-mcp-'));
  const client = new Client({ name: 'e2e', version: '1.0.0' });

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...FORTITUDE_NODE_ARGS, 'mcp'],
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '0' },
      stderr: 'pipe',
    });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client.close();
  });

  it('lists the seven tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['cache_stats', 'classify', 'feedback', 'get_result', 'provider_status', 'research', 'search_library']);
  });

  it('researches through the real pipeline, labelled simulated, then finds it in the library', async () => {
    const research = await client.callTool({ name: 'research', arguments: { query: 'How do I configure a Kubernetes liveness probe?' } });
    expect(research.isError).toBeFalsy();
    const text = (research.content as TextContent)[0]?.text ?? '';
    expect(text).toMatch(/simulated/i);
    expect(text).toContain('## ');
    const search = await client.callTool({ name: 'search_library', arguments: { query: 'liveness probe' } });
    expect((search.content as TextContent)[0]?.text).toContain('liveness');
  });

  it('answers a bad argument with a clear tool error', async () => {
    const bad = await client.callTool({ name: 'feedback', arguments: { result_id: 'x', rating: 9 } });
    expect(bad.isError).toBe(true);
    expect((bad.content as TextContent)[0]?.text).toMatch(/rating/);
  });
});
