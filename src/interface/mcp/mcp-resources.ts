import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { isFortitudeError } from '../../core/errors.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { callerOf, type McpLogger, type McpServices } from './mcp-services.js';

/** What the SDK passes every resource callback; `authInfo` is the verified key over HTTP. */
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
import { LIBRARY_INDEX_URI, renderLibraryPageMarkdown, renderResultMarkdown, resultUri } from './render-markdown.js';

/**
 * The reference library as MCP resources: `fortitude://library` (an index of the newest results)
 * and `fortitude://library/{id}` (one result as Markdown). `resources/list` names the newest
 * results only; older ones are found with the search_library tool.
 */

/** How many results `resources/list` and the index name. */
export const LISTED_RESULTS = 50;

/** MCP's code for an unknown resource (spec: server/resources, "Error Handling"). */
const RESOURCE_NOT_FOUND = -32002;

const MARKDOWN = 'text/markdown';

export function registerLibraryResources(server: McpServer, services: McpServices, logger: McpLogger): void {
  server.registerResource(
    'library-index',
    LIBRARY_INDEX_URI,
    {
      title: 'Fortitude reference library',
      description: `The ${LISTED_RESULTS} newest stored research results, with ids and links; search older ones with the search_library tool.`,
      mimeType: MARKDOWN,
    },
    guarded(logger, async (uri: URL, extra: Extra): Promise<ReadResourceResult> => {
      const page = await services.listResults({ limit: LISTED_RESULTS, offset: 0, caller: callerOf(extra.authInfo) });
      const text = `# Fortitude reference library\n\n${renderLibraryPageMarkdown(page, { offset: 0 })}`;
      return { contents: [{ uri: uri.href, mimeType: MARKDOWN, text }] };
    }),
  );

  const template = new ResourceTemplate(`${LIBRARY_INDEX_URI}/{id}`, {
    list: guarded(logger, async (extra: Extra) => {
      const page = await services.listResults({ limit: LISTED_RESULTS, offset: 0, caller: callerOf(extra.authInfo) });
      return {
        resources: page.items.map((item) => ({
          uri: resultUri(item.id),
          name: item.slug ?? item.id,
          title: item.query.length <= 120 ? item.query : `${item.query.slice(0, 119)}…`,
          description: `${item.researchType} research, ${item.provider}/${item.model}`,
          mimeType: MARKDOWN,
        })),
      };
    }),
  });

  server.registerResource(
    'library-result',
    template,
    {
      title: 'Stored research result',
      description: 'One stored research result (by id or slug) as Markdown: the question, the answer, and its provider, quality and cost.',
      mimeType: MARKDOWN,
    },
    guarded(logger, async (uri: URL, variables: Variables, extra: Extra): Promise<ReadResourceResult> => {
      const id = decodeVariable(variables.id);
      const result = id === undefined ? undefined : await services.getResult(id, callerOf(extra.authInfo));
      if (result === undefined) {
        throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri.href} (no stored result has that id or slug)`, { uri: uri.href });
      }
      return { contents: [{ uri: uri.href, mimeType: MARKDOWN, text: renderResultMarkdown(result, { heading: true }) }] };
    }),
  );
}

function decodeVariable(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined; // malformed %-escape: no such result
  }
}

/**
 * Resource reads fail as JSON-RPC errors, whose message the SDK copies from the thrown error.
 * FortitudeError and McpError messages are safe to show; anything else (a driver error with SQL
 * or a path in it) is logged and replaced by a generic message.
 */
function guarded<Args extends unknown[], Result>(logger: McpLogger, read: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await read(...args);
    } catch (error) {
      if (error instanceof McpError) throw error;
      if (isFortitudeError(error)) throw new McpError(ErrorCode.InternalError, `${error.code}: ${error.message}`);
      logger.error({ err: error }, 'mcp resource read failed');
      throw new McpError(ErrorCode.InternalError, 'Internal error reading the reference library; it was logged for the operator.');
    }
  };
}
