import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { registerLibraryResources } from './mcp-resources.js';
import { callerOf, SILENT_MCP_LOGGER, type McpLogger, type McpServices } from './mcp-services.js';
import { MCP_TOOLS, type McpTool } from './mcp-tools.js';
import { toolErrorFromThrown } from './tool-result.js';

export interface McpServerOptions {
  /** Reported to clients in `initialize` (serverInfo). */
  name: string;
  version: string;
  /** Unexpected tool and resource failures go here (stderr under stdio). */
  logger?: McpLogger;
  /** Recorded as the user of research and feedback when the transport knows no caller (stdio). */
  defaultUser?: string;
}

/** Sent to clients in `initialize`; many put it in the model's system prompt. */
export const SERVER_INSTRUCTIONS =
  'Fortitude is a research gateway with a reference library of earlier answers. ' +
  'Before researching, search_library for the question; call research for new questions; ' +
  'rate useful or poor answers with feedback. Answers marked "Simulated" come from a built-in simulator, not a real LLM.';

const TOOLS_BY_NAME: ReadonlyMap<string, McpTool> = new Map(MCP_TOOLS.map((tool) => [tool.definition.name, tool]));
const LIST_TOOLS_RESULT: ListToolsResult = { tools: MCP_TOOLS.map((tool) => tool.definition) };
/** Pipeline stages reported as progress, in order. */
const STAGE_COUNT = 5;

/**
 * One MCP server (one per connection: stdio, or one per HTTP request in stateless mode).
 *
 * Tools are served by our own `tools/list` / `tools/call` handlers on the SDK's `Server` rather
 * than `McpServer.registerTool`, for two reasons: argument errors must name the field, the rule
 * and the fix (the SDK's read `MCP error -32602: Input validation error: … at rating`), and the
 * tool list is JSON built once at startup instead of converted from zod on every `tools/list`.
 * Resources use the SDK's `registerResource` and `ResourceTemplate` as they are.
 */
export function createMcpServer(services: McpServices, options: McpServerOptions): McpServer {
  const logger = options.logger ?? SILENT_MCP_LOGGER;
  const server = new McpServer({ name: options.name, version: options.version }, { instructions: SERVER_INSTRUCTIONS });
  registerLibraryResources(server, services, logger);

  const protocol = server.server;
  protocol.registerCapabilities({ tools: {} });
  protocol.setRequestHandler(ListToolsRequestSchema, () => LIST_TOOLS_RESULT);
  protocol.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = TOOLS_BY_NAME.get(request.params.name);
    if (tool === undefined) {
      // The spec makes an unknown tool a protocol error, not a tool result.
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${request.params.name}"; available: ${[...TOOLS_BY_NAME.keys()].join(', ')}`);
    }
    const progressToken = extra._meta?.progressToken;
    let stagesSeen = 0;
    const onStage =
      progressToken === undefined
        ? undefined
        : (stage: string) => {
            stagesSeen = Math.min(stagesSeen + 1, STAGE_COUNT);
            extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: stagesSeen, total: STAGE_COUNT, message: stage } })
              .catch(() => undefined); // progress is best effort; the result still arrives
          };
    try {
      return await tool.call(request.params.arguments, {
        services,
        user: extra.authInfo?.clientId ?? options.defaultUser,
        caller: callerOf(extra.authInfo),
        signal: extra.signal,
        onStage,
      });
    } catch (error) {
      const { result, unexpected } = toolErrorFromThrown(error, tool.definition.name);
      // A cancelled call's failure is expected and its result goes nowhere.
      if (unexpected && !extra.signal.aborted) logger.error({ err: error, tool: tool.definition.name }, 'mcp tool failed');
      return result;
    }
  });
  return server;
}
