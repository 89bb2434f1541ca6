import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/** Same bound as the SDK's stdio transport: a longer line without a newline ends the session. */
const MAX_LINE_BYTES = 10 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Newline-delimited JSON-RPC over stdin/stdout, the framing of the SDK's `StdioServerTransport`,
 * with the two things a piping client needs that it lacks:
 * - a line that is not JSON is answered `-32700 Parse error`, and JSON that is not a JSON-RPC
 *   message `-32600 Invalid Request` (JSON-RPC 2.0 §5.1), instead of only `onerror`;
 * - the end of stdin does not drop the requests in flight: the transport closes once every
 *   request received has been answered (or cancelled by the client) and the replies are written,
 *   so `printf '…requests…' | fortitude mcp` gets all its answers. `close()` still closes at once.
 */
export class McpStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private buffer: Buffer | undefined;
  /** Requests received and not yet answered: the transport waits for them when stdin ends. */
  private readonly unanswered = new Set<RequestId>();
  /** Frames handed to stdout whose write has not completed. */
  private writing = 0;
  private inputEnded = false;
  private closed = false;

  constructor(
    private readonly stdin: NodeJS.ReadableStream,
    private readonly stdout: NodeJS.WritableStream,
  ) {}

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onInputEnd);
    this.stdin.on('close', this.onInputEnd);
    this.stdin.on('error', this.onInputError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    const reply = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    try {
      await this.write(`${JSON.stringify(message)}\n`);
    } finally {
      // A failed write (EPIPE) is answered too: the session closes on the stdout error anyway.
      if (reply && message.id !== undefined) this.unanswered.delete(message.id);
      this.closeWhenAnswered();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onInputEnd);
    this.stdin.off('close', this.onInputEnd);
    this.stdin.off('error', this.onInputError);
    // Pausing a stdin someone else still reads would starve them.
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.buffer = undefined;
    this.unanswered.clear();
    this.onclose?.();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buffer = this.buffer === undefined ? bytes : Buffer.concat([this.buffer, bytes]);
    let newline = this.buffer.indexOf(NEWLINE);
    while (newline !== -1 && !this.closed) {
      const line = this.buffer.toString('utf8', 0, newline);
      this.buffer = this.buffer.subarray(newline + 1);
      this.receive(line);
      newline = this.buffer?.indexOf(NEWLINE) ?? -1;
    }
    if (this.buffer !== undefined && this.buffer.length > MAX_LINE_BYTES) {
      this.onerror?.(new Error(`mcp stdio: a line longer than ${MAX_LINE_BYTES} bytes; closing the session`));
      void this.close();
    }
  };

  private readonly onInputEnd = (): void => {
    if (this.inputEnded) return;
    this.inputEnded = true;
    // A last request without its newline is still a request.
    const rest = this.buffer?.toString('utf8');
    this.buffer = undefined;
    if (rest !== undefined && !this.closed) this.receive(rest);
    this.closeWhenAnswered();
  };

  private readonly onInputError = (error: Error): void => this.onerror?.(error);

  private receive(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      this.reject(null, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      this.reject(typeof id === 'string' || typeof id === 'number' ? id : null, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message');
      return;
    }
    const message = parsed.data;
    if (isJSONRPCRequest(message)) this.unanswered.add(message.id);
    // The SDK aborts a cancelled request's handler and sends no reply (MCP cancellation): stop waiting for one.
    else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        this.unanswered.delete(requestId);
        this.closeWhenAnswered();
      }
    }
    this.onmessage?.(message);
  }

  /** Answers a line the SDK never sees, and reports it (logged by the session). */
  private reject(id: RequestId | null, code: ErrorCode, message: string): void {
    this.onerror?.(new Error(`mcp stdio: ${message}`));
    this.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`)
      .catch((error: unknown) => this.onerror?.(error as Error))
      .finally(() => this.closeWhenAnswered());
  }

  private closeWhenAnswered(): void {
    if (this.inputEnded && this.unanswered.size === 0 && this.writing === 0) void this.close();
  }

  /** Settles once the stream has taken the frame (after a pipe's flush, not just its buffer). */
  private write(frame: string): Promise<void> {
    this.writing += 1;
    return new Promise<void>((resolve, reject) => {
      this.stdout.write(frame, (error?: Error | null) => (error ? reject(error) : resolve()));
    }).finally(() => (this.writing -= 1));
  }
}
