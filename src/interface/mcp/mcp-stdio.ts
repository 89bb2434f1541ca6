import { createMcpServer, type McpServerOptions } from './create-mcp-server.js';
import { SILENT_MCP_LOGGER, type McpServices } from './mcp-services.js';
import { McpStdioTransport } from './mcp-stdio-transport.js';

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
  /**
   * Settles when the client has closed stdin and every request it sent is answered (or when
   * `close()` is called, which drops requests in flight); then close the services.
   */
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
  const transport = new McpStdioTransport(stdin, stdout);
  let settle: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (settle = resolve));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
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
  // EPIPE when the client went away: nobody is left to read; end the session.
  const onOutputError = (error: Error): void => {
    logger.warn({ err: error }, 'mcp stdout failed; closing the session');
    void close();
  };

  // Malformed frames are answered with a JSON-RPC error by the transport, reported here, and skipped.
  server.server.onerror = (error) => logger.warn({ err: error }, 'mcp stdio protocol error');
  // The transport closes itself once stdin has ended and every request received is answered.
  server.server.onclose = () => void close();
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
