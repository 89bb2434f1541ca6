import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, type McpServerOptions } from './create-mcp-server.js';
import { SILENT_MCP_LOGGER, type McpServices } from './mcp-services.js';

export interface McpStdioOptions extends McpServerOptions {
  /** Default `process.stdin` / `process.stdout`; tests pass streams. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /**
   * Send `console.log/info/debug` to stderr while the session runs (default true): on stdio,
   * stdout carries protocol frames only, and one stray line from any library breaks the client.
   */
  guardConsole?: boolean;
}

export interface McpStdioSession {
  /** Settles when the client closes stdin (or `close()` is called); then close the services. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

type ConsoleMethod = 'log' | 'info' | 'debug';

/**
 * Serves MCP over stdin/stdout (`fortitude mcp`). Writes nothing but protocol frames to stdout;
 * logs go to `options.logger`, which must write to stderr.
 */
export async function runMcpStdio(services: McpServices, options: McpStdioOptions): Promise<McpStdioSession> {
  const logger = options.logger ?? SILENT_MCP_LOGGER;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const restoreConsole = options.guardConsole === false ? () => undefined : redirectConsoleToStderr();

  const server = createMcpServer(services, options);
  const transport = new StdioServerTransport(stdin as typeof process.stdin, stdout as typeof process.stdout);
  let settle: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (settle = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      stdout.off('error', onOutputError);
      try {
        await server.close();
      } finally {
        restoreConsole();
        settle();
      }
    })();
    return closing;
  };
  const onEnd = (): void => void close();
  // EPIPE when the client went away: nobody is left to read; end the session.
  const onOutputError = (error: Error): void => {
    logger.warn({ err: error }, 'mcp stdout failed; closing the session');
    void close();
  };

  // Malformed frames are reported here and skipped; the session continues.
  server.server.onerror = (error) => logger.warn({ err: error }, 'mcp stdio protocol error');
  stdin.on('end', onEnd);
  stdin.on('close', onEnd);
  stdout.on('error', onOutputError);
  await server.connect(transport);
  return { closed, close };
}

function redirectConsoleToStderr(): () => void {
  const methods: ConsoleMethod[] = ['log', 'info', 'debug'];
  const saved = methods.map((method) => [method, console[method]] as const);
  for (const method of methods) console[method] = console.error;
  return () => {
    for (const [method, original] of saved) console[method] = original;
  };
}
