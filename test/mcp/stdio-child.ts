import { runMcpStdio } from '../../src/interface/mcp/mcp-stdio.js';
import { createFakeMcpServices } from './fake-mcp-services.js';

/**
 * A `fortitude mcp`-like process over the in-memory services, for the stdio test: logs to
 * stderr, and prints a stray console.log that must not reach stdout.
 */
const session = await runMcpStdio(createFakeMcpServices(), {
  name: 'fortitude',
  version: '0.0.0-test',
  defaultUser: 'stdio',
  logger: {
    warn: (object, message) => process.stderr.write(`warn ${message ?? ''} ${JSON.stringify(object)}\n`),
    error: (object, message) => process.stderr.write(`error ${message ?? ''} ${JSON.stringify(object)}\n`),
  },
});
console.log('stray console.log from a dependency');
await session.closed;
process.stderr.write('stdio session closed\n');
