import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FortitudeError } from '../../src/core/errors.js';
import { LISTED_RESULTS } from '../../src/interface/mcp/mcp-resources.js';
import { SIMULATED_NOTICE } from '../../src/interface/mcp/render-markdown.js';
import { connectInMemory, type ConnectedClient } from './connect-client.js';
import { createFakeMcpServices, type FakeMcpServices } from './fake-mcp-services.js';

let services: FakeMcpServices;
let connection: ConnectedClient;
const errors: string[] = [];

beforeEach(async () => {
  services = createFakeMcpServices();
  errors.length = 0;
  connection = await connectInMemory(services, { logger: { warn: () => undefined, error: (_object, message) => errors.push(message ?? '') } });
});
afterEach(async () => {
  await connection.close();
});

const read = async (uri: string) => {
  const { contents } = await connection.client.readResource({ uri });
  expect(contents).toHaveLength(1);
  const [content] = contents as [{ uri: string; mimeType?: string; text?: string }];
  return content;
};

describe('reference library resources', () => {
  it('resources/list: the index, then the newest results with titles', async () => {
    const { resources } = await connection.client.listResources();
    expect(resources[0]).toMatchObject({ uri: 'fortitude://library', name: 'library-index', mimeType: 'text/markdown' });
    expect(resources.slice(1)).toEqual([
      expect.objectContaining({ uri: 'fortitude://library/r-async', name: 'r-async-slug', title: 'How do I spawn async tasks in tokio?', mimeType: 'text/markdown' }),
      expect.objectContaining({ uri: 'fortitude://library/r-db', description: 'decision research, simulator/sim-1' }),
      expect.objectContaining({ uri: 'fortitude://library/r-leak' }),
    ]);
    expect(services.calls.list).toEqual([{ limit: LISTED_RESULTS, offset: 0 }]);
  });

  it('resources/templates/list: fortitude://library/{id}', async () => {
    const { resourceTemplates } = await connection.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ name: 'library-result', uriTemplate: 'fortitude://library/{id}', mimeType: 'text/markdown', title: 'Stored research result' }),
    ]);
  });

  it('reads one result as Markdown, by id or by slug', async () => {
    const byId = await read('fortitude://library/r-db');
    expect(byId).toMatchObject({ uri: 'fortitude://library/r-db', mimeType: 'text/markdown' });
    expect(byId.text).toContain('# Should I choose PostgreSQL or SQLite for an embedded app?\n\n' + SIMULATED_NOTICE);
    expect(byId.text).toContain('Use tokio::spawn');
    expect(byId.text).toContain('- Classification: decision');
    const bySlug = await read('fortitude://library/r-leak-slug');
    expect(bySlug.text).toContain('# Why does my Node service leak memory?');
  });

  it('reads an id that needed percent-encoding', async () => {
    await connection.client.callTool({ name: 'research', arguments: { query: 'q' } }); // stored as new-1
    expect((await read('fortitude://library/new%2D1')).text).toContain('`new-1`');
  });

  it('reads the index: newest first, with links', async () => {
    const index = await read('fortitude://library');
    expect(index.text).toMatch(/^# Fortitude reference library\n\nStored results, newest first: 1–3 of 3\./);
    expect(index.text!.indexOf('r-async')).toBeLessThan(index.text!.indexOf('r-leak'));
    expect(index.text).toContain('(fortitude://library/r-db)');
  });

  it('an unknown result is MCP "resource not found" (-32002)', async () => {
    const error = await connection.client.readResource({ uri: 'fortitude://library/ghost' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32002);
    expect((error as McpError).message).toContain('fortitude://library/ghost');
    const malformed = await connection.client.readResource({ uri: 'fortitude://library/%E0%A4%A' }).catch((thrown: unknown) => thrown);
    expect((malformed as McpError).code).toBe(-32002);
  });

  it('a storage failure is a clean error: FortitudeError message kept, anything else hidden and logged', async () => {
    services.failNext(new FortitudeError('storage_error', 'The reference library database is unavailable.'));
    const known = await connection.client.readResource({ uri: 'fortitude://library/r-db' }).catch((thrown: unknown) => thrown);
    expect((known as McpError).message).toContain('storage_error: The reference library database is unavailable.');

    services.failNext(new Error('connect ECONNREFUSED postgres://admin:hunter2@db'));
    const hidden = await connection.client.readResource({ uri: 'fortitude://library' }).catch((thrown: unknown) => thrown);
    expect(hidden).toBeInstanceOf(McpError);
    expect((hidden as McpError).message).toContain('Internal error reading the reference library');
    expect((hidden as McpError).message).not.toContain('hunter2');
    expect(errors).toEqual(['mcp resource read failed']);
  });
});
