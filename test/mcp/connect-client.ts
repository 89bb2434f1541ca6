import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer, type McpServerOptions } from '../../src/interface/mcp/create-mcp-server.js';
import type { McpServices } from '../../src/interface/mcp/mcp-services.js';

export interface ConnectedClient {
  client: Client;
  close(): Promise<void>;
}

/** The SDK's own client, linked in memory to a fresh Fortitude MCP server. */
export async function connectInMemory(services: McpServices, options: Partial<McpServerOptions> = {}): Promise<ConnectedClient> {
  const server = createMcpServer(services, { name: 'fortitude', version: '0.0.0-test', ...options });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'fortitude-test-client', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/** The text of a tool result's single text block. */
export function textOf(result: unknown): string {
  const content = (result as CallToolResult).content;
  const first = content[0];
  if (content.length !== 1 || first?.type !== 'text') throw new Error(`expected one text block, got ${JSON.stringify(content)}`);
  return first.text;
}
