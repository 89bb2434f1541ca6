import { describe, expectTypeOf, it } from 'vitest';
import type { ResearchServices } from '../../src/interface/cli/cli-services.js';
import type { McpServices } from '../../src/interface/mcp/mcp-services.js';

describe('McpServices', () => {
  // Checked by `tsc` (vitest's expectTypeOf is a no-op at run time): the composition root can hand
  // the CLI's services to the MCP server without an adapter.
  it('is satisfied by the CLI ResearchServices', () => {
    expectTypeOf<ResearchServices>().toMatchTypeOf<McpServices>();
  });
});
