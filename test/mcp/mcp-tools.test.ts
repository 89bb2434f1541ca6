import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FortitudeError } from '../../src/core/errors.js';
import { RESEARCH_TYPES } from '../../src/core/research.js';
import { SERVER_INSTRUCTIONS } from '../../src/interface/mcp/create-mcp-server.js';
import type { McpLogger } from '../../src/interface/mcp/mcp-services.js';
import { SIMULATED_NOTICE } from '../../src/interface/mcp/render-markdown.js';
import { connectInMemory, textOf, type ConnectedClient } from './connect-client.js';
import { createFakeMcpServices, type FakeMcpServices } from './fake-mcp-services.js';

let services: FakeMcpServices;
let connection: ConnectedClient;
let logged: { object: object; message: string | undefined }[];

const logger: McpLogger = {
  warn: (object, message) => logged.push({ object, message }),
  error: (object, message) => logged.push({ object, message }),
};

beforeEach(async () => {
  services = createFakeMcpServices();
  logged = [];
  connection = await connectInMemory(services, { logger });
});
afterEach(async () => {
  await connection.close();
});

const call = (name: string, args?: Record<string, unknown>) =>
  connection.client.callTool({ name, ...(args === undefined ? {} : { arguments: args }) }) as Promise<CallToolResult>;

describe('initialize and tools/list', () => {
  it('announces Fortitude with tools, resources and usage instructions', () => {
    expect(connection.client.getServerVersion()).toEqual({ name: 'fortitude', version: '0.0.0-test' });
    expect(connection.client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {} });
    expect(connection.client.getInstructions()).toBe(SERVER_INSTRUCTIONS);
  });

  it('lists all seven tools with descriptions and strict JSON Schemas', async () => {
    const { tools } = await connection.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['research', 'classify', 'search_library', 'get_result', 'feedback', 'provider_status', 'cache_stats']);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(40);
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.inputSchema).not.toHaveProperty('$schema');
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.research!.inputSchema).toMatchObject({
      required: ['query'],
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 10_000 },
        type: { enum: [...RESEARCH_TYPES] },
        provider: { type: 'string' },
        quality_threshold: { type: 'number', minimum: 0, maximum: 1 },
        cross_validate: { type: 'boolean' },
      },
    });
    expect(byName.feedback!.inputSchema).toMatchObject({
      required: ['result_id', 'rating'],
      properties: { rating: { type: 'integer', minimum: 1, maximum: 5 }, comment: { type: 'string', maxLength: 4000 } },
    });
    expect(byName.search_library!.inputSchema.required ?? []).toEqual([]);
    expect(byName.search_library!.inputSchema.properties).toMatchObject({ limit: { default: 10, maximum: 50 }, offset: { default: 0 } });
    expect(byName.get_result!.inputSchema.required).toEqual(['id']);
    expect(byName.search_library!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.research!.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: true });
  });
});

describe('research', () => {
  it('passes every argument to the pipeline and answers in Markdown with the result id', async () => {
    const result = await call('research', {
      query: '  How do I spawn tasks in tokio?  ',
      type: 'implementation',
      provider: 'openai',
      quality_threshold: 0.7,
      cross_validate: true,
    });
    expect(result.isError).toBeFalsy();
    expect(services.calls.research).toHaveLength(1);
    const [{ request, options }] = services.calls.research as [(typeof services.calls.research)[number]];
    expect(request).toEqual({ query: 'How do I spawn tasks in tokio?', type: 'implementation', provider: 'openai', qualityThreshold: 0.7, crossValidate: true });
    expect(options?.signal).toBeInstanceOf(AbortSignal);
    const text = textOf(result);
    expect(text).toContain('Use tokio::spawn');
    expect(text).toContain('`new-1` (fortitude://library/new-1)');
    expect(text).toContain('Cross-validated with anthropic: agreement 0.91');
    expect(text).toContain('Quality: 0.87');
    expect(text).not.toContain('Simulated');
    expect(result.structuredContent).toMatchObject({ id: 'new-1', provider: 'openai', simulated: false });
  });

  it('says plainly when the answer is simulated', async () => {
    const text = textOf(await call('research', { query: 'What is a B-tree?', provider: 'simulator' }));
    expect(text.startsWith(SIMULATED_NOTICE)).toBe(true);
    expect(text).toContain('simulator / gpt-4o-mini (simulated)');
  });

  it('reports pipeline stages as progress when the client asks for it', async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    await connection.client.callTool({ name: 'research', arguments: { query: 'What is a B-tree?' } }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(progress.map((update) => update.message)).toEqual(['classify', 'cache', 'provider', 'evaluate', 'store']);
    expect(progress.map((update) => update.progress)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((update) => update.total === 5)).toBe(true);
  });

  it('records the default user from the server options', async () => {
    const other = await connectInMemory(services, { defaultUser: 'stdio-agent' });
    try {
      await other.client.callTool({ name: 'research', arguments: { query: 'q' } });
      await other.client.callTool({ name: 'feedback', arguments: { result_id: 'r-async', rating: 4 } });
    } finally {
      await other.close();
    }
    expect(services.calls.research[0]?.request.user).toBe('stdio-agent');
    expect(services.calls.feedback[0]?.user).toBe('stdio-agent');
  });
});

describe('the other tools', () => {
  it('classify: every dimension with confidence and signals', async () => {
    const result = await call('classify', { query: 'TypeError: x is undefined' });
    const text = textOf(result);
    expect(text).toContain('**Research type**: troubleshooting (confidence 0.82; keyword:"how do i")');
    expect(text).toContain('**Audience**: intermediate (confidence 0.60; no strong signals)');
    expect(result.structuredContent).toMatchObject({ researchType: { value: 'troubleshooting' }, domain: { value: 'rust' } });
    const forced = await call('classify', { query: 'anything', type: 'decision' });
    expect(forced.structuredContent).toMatchObject({ researchType: { value: 'decision' } });
  });

  it('search_library: full-text search with a query, newest results without one, paging hints', async () => {
    const found = await call('search_library', { query: 'tokio spawn' });
    expect(services.calls.search).toEqual([{ q: 'tokio spawn', limit: 10, offset: 0 }]);
    expect(found.structuredContent).toMatchObject({ total: 3, items: [{ id: 'r-async' }, { id: 'r-db' }, { id: 'r-leak' }] });

    const narrowed = await call('search_library', { query: 'PostgreSQL', type: 'decision' });
    expect(narrowed.structuredContent).toMatchObject({ total: 1, items: [{ id: 'r-db', researchType: 'decision' }] });
    expect(textOf(narrowed)).toContain('**Should I choose PostgreSQL or SQLite for an embedded app?** — decision · quality 0.87');

    const newest = await call('search_library', { limit: 2 });
    expect(services.calls.list).toEqual([{ limit: 2, offset: 0 }]);
    const text = textOf(newest);
    expect(text).toContain('Stored results, newest first: 1–2 of 3.');
    expect(text).toContain('1. **How do I spawn async tasks in tokio?**');
    expect(text).toContain('id `r-async` (fortitude://library/r-async)');
    expect(text).toContain('More: call again with offset 2.');

    const last = textOf(await call('search_library', { limit: 2, offset: 2 }));
    expect(last).toContain('3–3 of 3.');
    expect(last).not.toContain('More:');
    expect(textOf(await call('search_library', { query: 'kubernetes' }))).toBe('No results for "kubernetes".\n');
  });

  it('get_result: by id or slug, with heading and classification', async () => {
    const byId = await call('get_result', { id: 'r-db' });
    const text = textOf(byId);
    expect(text.startsWith('# Should I choose PostgreSQL or SQLite for an embedded app?\n\n' + SIMULATED_NOTICE)).toBe(true);
    expect(text).toContain('- Classification: decision · intermediate · rust · planned');
    expect(text).toContain('cache: exact hit (similarity 1.00)');
    expect(byId.structuredContent).toMatchObject({ id: 'r-db', simulated: true });
    expect((await call('get_result', { id: 'r-leak-slug' })).structuredContent).toMatchObject({ id: 'r-leak' });
  });

  it('get_result: an unknown id is a tool error that says how to find ids', async () => {
    const result = await call('get_result', { id: 'nope' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('No stored result has the id or slug "nope".\nCheck the id; search_library lists stored results and their ids.');
    expect(result.structuredContent).toEqual({ error: { code: 'not_found', message: 'No stored result has the id or slug "nope".', retryable: false, fields: ['id'] } });
  });

  it('feedback: recorded with its id; an unknown result is a not_found tool error from the services', async () => {
    const ok = await call('feedback', { result_id: 'r-async', rating: 5, comment: 'exactly right' });
    expect(ok.isError).toBeFalsy();
    expect(textOf(ok)).toContain('Feedback `fb-1` recorded: 5/5 for result `r-async`');
    expect(services.calls.feedback[0]).toEqual({ resultId: 'r-async', rating: 5, comment: 'exactly right' });

    const missing = await call('feedback', { result_id: 'ghost', rating: 3 });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('No research result "ghost".');
    expect(missing.structuredContent).toMatchObject({ error: { code: 'not_found', fields: ['result_id'] } });
  });

  it('provider_status and cache_stats: JSON as text and structured content', async () => {
    const status = await call('provider_status');
    expect(status.structuredContent).toMatchObject({ providers: [{ name: 'openai' }, { name: 'simulator', simulated: true }] });
    expect(textOf(status)).toContain('"name": "simulator"');
    const stats = await call('cache_stats', {});
    expect(stats.structuredContent).toMatchObject({ memory: { hits: 12 }, redis: { misses: 1 } });
    expect(textOf(stats)).toMatch(/^Cache statistics:\n\n```json\n/);
  });
});

describe('bad arguments become tool errors that name the field and the fix', () => {
  const cases: { name: string; args: Record<string, unknown>; message: string; fields: string[] }[] = [
    { name: 'feedback', args: { result_id: 'r-async', rating: 9 }, message: 'rating must be a whole number from 1 to 5 (got 9)', fields: ['rating'] },
    { name: 'feedback', args: { result_id: 'r-async', rating: 2.5 }, message: 'rating must be a whole number from 1 to 5 (got 2.5)', fields: ['rating'] },
    { name: 'feedback', args: { result_id: 'r-async', rating: '4' }, message: 'rating must be a whole number from 1 to 5 (got "4")', fields: ['rating'] },
    { name: 'research', args: { query: '' }, message: 'query must be a non-empty string of at most 10000 characters (got "")', fields: ['query'] },
    { name: 'research', args: { query: '   ' }, message: 'query must be a non-empty string of at most 10000 characters (got "   ")', fields: ['query'] },
    { name: 'research', args: {}, message: 'query is required (a non-empty string of at most 10000 characters)', fields: ['query'] },
    {
      name: 'research',
      args: { query: 'q', type: 'howto' },
      message: 'type must be one of decision, implementation, troubleshooting, learning, validation (got "howto")',
      fields: ['type'],
    },
    { name: 'research', args: { query: 'q', quality_threshold: 2 }, message: 'quality_threshold must be a number from 0 to 1 (got 2)', fields: ['quality_threshold'] },
    { name: 'research', args: { query: 'q', cross_validate: 'yes' }, message: 'cross_validate must be true or false (got "yes")', fields: ['cross_validate'] },
    { name: 'search_library', args: { limit: 500 }, message: 'limit must be a whole number from 1 to 50 (got 500)', fields: ['limit'] },
    { name: 'get_result', args: { id: 42 }, message: 'id must be a non-empty string of at most 200 characters (got 42)', fields: ['id'] },
  ];

  for (const { name, args, message, fields } of cases) {
    it(`${name} ${JSON.stringify(args)}`, async () => {
      const result = await call(name, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(`Invalid arguments for tool "${name}": ${message}.\nFix the arguments and call again.`);
      expect(result.structuredContent).toMatchObject({ error: { code: 'bad_request', fields } });
      expect(services.calls.research).toHaveLength(0);
      expect(services.calls.feedback).toHaveLength(0);
    });
  }

  it('several problems are reported together, one per field', async () => {
    const text = textOf(await call('feedback', { rating: 0, result_id: '' }));
    expect(text).toContain('result_id must be a non-empty string of at most 200 characters (got "")');
    expect(text).toContain('rating must be a whole number from 1 to 5 (got 0)');
  });

  it('a misspelt argument is named, with the accepted ones', async () => {
    const text = textOf(await call('research', { qurey: 'How do I…' }));
    expect(text).toContain('query is required');
    expect(text).toContain('unknown argument "qurey" (accepted: query, type, provider, quality_threshold, cross_validate)');
  });

  it('a long bad value is shortened in the message', async () => {
    const text = textOf(await call('get_result', { id: 'x'.repeat(300) }));
    expect(text).toContain(`(got "${'x'.repeat(56)}…)`);
    expect(text.length).toBeLessThan(250);
  });

  it('an unknown tool is a protocol error listing the tools', async () => {
    const error = await call('summarise', {}).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toContain('Unknown tool "summarise"; available: research, classify, search_library');
  });
});

describe('cancellation', () => {
  it('a cancelled call aborts the pipeline through its signal, and the abort is not logged as a failure', async () => {
    services.blockResearch();
    const controller = new AbortController();
    const pending = connection.client.callTool({ name: 'research', arguments: { query: 'slow' } }, undefined, { signal: controller.signal });
    await vi.waitFor(() => expect(services.calls.research).toHaveLength(1));
    const signal = services.calls.research[0]!.options!.signal!;
    expect(signal.aborted).toBe(false);
    controller.abort('user pressed stop');
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(signal.aborted).toBe(true));
    expect(logged).toHaveLength(0);
  });
});

describe('service failures', () => {
  it('a FortitudeError keeps its code, message, retry flag and next step', async () => {
    services.failNext(new FortitudeError('rate_limited', 'Provider openai is rate limited for 20 s.', { retryable: true }));
    const result = await call('research', { query: 'q' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Provider openai is rate limited for 20 s.\nToo many calls; wait a little and retry.');
    expect(result.structuredContent).toEqual({ error: { code: 'rate_limited', message: 'Provider openai is rate limited for 20 s.', retryable: true } });
    expect(logged).toHaveLength(0);
  });

  it('an unexpected error is logged and shown without its message; the server keeps serving', async () => {
    services.failNext(new Error('SQLITE_CORRUPT at /var/lib/fortitude/secret.db'));
    const result = await call('cache_stats');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('The cache_stats tool failed unexpectedly.\nAn unexpected error; it was logged for the operator.');
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ message: 'mcp tool failed', object: { tool: 'cache_stats' } });
    expect((await call('cache_stats')).isError).toBeFalsy();
  });
});
