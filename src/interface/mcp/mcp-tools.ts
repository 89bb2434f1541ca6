import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MAX_QUERY_LENGTH, RESEARCH_TYPES, type ResearchRequest } from '../../core/research.js';
import type { Caller } from '../../pipeline/fortitude.js';
import type { McpServices } from './mcp-services.js';
import {
  renderClassificationMarkdown,
  renderJsonMarkdown,
  renderLibraryPageMarkdown,
  renderResultMarkdown,
  resultUri,
} from './render-markdown.js';
import { parseToolArguments, toInputJsonSchema } from './tool-arguments.js';
import { textResult, toolError } from './tool-result.js';

/** The seven tools: argument schema, description for the model, and how each runs. */

export interface ToolContext {
  services: McpServices;
  /** Caller identity (HTTP API key name), recorded with research and feedback. */
  user: string | undefined;
  /** The verified key over HTTP (decides which stored results exist for it); undefined under stdio. */
  caller: Caller | undefined;
  signal: AbortSignal;
  /** Reports a pipeline stage as MCP progress, when the client asked for progress. */
  onStage: ((stage: string) => void) | undefined;
}

export interface McpTool {
  /** As listed by `tools/list`; built once. */
  definition: Tool;
  /** Validates the raw arguments, then runs. Throws only what the services throw. */
  call(rawArguments: unknown, context: ToolContext): Promise<CallToolResult>;
}

interface ToolSpec<Schema extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Schema;
  annotations: ToolAnnotations;
  run(input: z.output<Schema>, context: ToolContext): Promise<CallToolResult>;
}

function defineTool<Schema extends z.ZodObject>(spec: ToolSpec<Schema>): McpTool {
  const inputSchema = toInputJsonSchema(spec.input);
  return {
    definition: { name: spec.name, title: spec.title, description: spec.description, inputSchema, annotations: spec.annotations },
    async call(rawArguments, context) {
      const parsed = parseToolArguments(spec.name, spec.input, inputSchema, rawArguments);
      if (!parsed.ok) return toolError({ code: 'bad_request', message: parsed.message, retryable: false, fields: parsed.fields });
      return spec.run(parsed.value, context);
    },
  };
}

const researchType = z.enum(RESEARCH_TYPES);
const query = z.string().trim().min(1).max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`);
const resultId = z.string().trim().min(1).max(200);

const research = defineTool({
  name: 'research',
  title: 'Research a technical question',
  description:
    'Answer a software-engineering research question through Fortitude: classify it, reuse a cached answer when one fits, ' +
    'otherwise ask the best configured LLM provider, score the answer and store it in the reference library. ' +
    'Returns the answer as Markdown with its provider, quality score, cost and result id. ' +
    'Search the library first (search_library) when the question may already have been answered.',
  input: z.strictObject({
    query: query.describe('The question, in plain language, with the context that matters (versions, constraints, error text).'),
    type: researchType
      .optional()
      .describe('Research type; overrides the classifier. decision = choose between options, implementation = how to build it, troubleshooting = fix an error, learning = explain a concept, validation = check an approach.'),
    provider: z.string().trim().min(1).max(100).optional().describe('Configured provider name to ask first (see provider_status); default: Fortitude picks.'),
    quality_threshold: z.number().min(0).max(1).optional().describe('Minimum quality score 0–1; below it Fortitude retries with the next provider.'),
    cross_validate: z.boolean().optional().describe('Also ask a second provider and report how well the two answers agree (costs more).'),
  }),
  annotations: { title: 'Research a technical question', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(input, context) {
    const request: ResearchRequest = { query: input.query };
    if (input.type !== undefined) request.type = input.type;
    if (input.provider !== undefined) request.provider = input.provider;
    if (input.quality_threshold !== undefined) request.qualityThreshold = input.quality_threshold;
    if (input.cross_validate !== undefined) request.crossValidate = input.cross_validate;
    if (context.user !== undefined) request.user = context.user;
    const result = await context.services.research(request, {
      signal: context.signal,
      ...(context.onStage === undefined ? {} : { onStage: context.onStage }),
    });
    return textResult(renderResultMarkdown(result, { heading: false }), { ...result });
  },
});

const classify = defineTool({
  name: 'classify',
  title: 'Classify a question',
  description:
    "Classify a question the way Fortitude's pipeline does — research type, audience, domain, urgency, each with a confidence 0–1 and the signals behind it — without asking any provider. Free and instant.",
  input: z.strictObject({
    query: query.describe('The question to classify.'),
    type: researchType.optional().describe('Force the research type; the other dimensions are still classified.'),
  }),
  annotations: { title: 'Classify a question', readOnlyHint: true, openWorldHint: false },
  async run(input, context) {
    const classification = await context.services.classify(input.query, input.type);
    return textResult(renderClassificationMarkdown(classification), { ...classification });
  },
});

const searchLibrary = defineTool({
  name: 'search_library',
  title: 'Search the reference library',
  description:
    'Full-text search of stored research results (questions and answers). Without a query, lists the newest results. ' +
    'Returns ids, quality scores and resource URIs; read a full answer with get_result or the fortitude://library/{id} resource.',
  input: z.strictObject({
    query: z.string().trim().min(1).max(1_000).optional().describe('Words to search for; omit to list the newest results.'),
    type: researchType.optional().describe('Only results of this research type.'),
    limit: z.number().int().min(1).max(50).default(10).describe('Results per page.'),
    offset: z.number().int().min(0).max(1_000_000).default(0).describe('Results to skip, for paging.'),
  }),
  annotations: { title: 'Search the reference library', readOnlyHint: true, openWorldHint: false },
  async run(input, context) {
    const filter = { limit: input.limit, offset: input.offset, caller: context.caller, ...(input.type === undefined ? {} : { type: input.type }) };
    const page =
      input.query === undefined ? await context.services.listResults(filter) : await context.services.searchResults({ ...filter, q: input.query });
    const text = renderLibraryPageMarkdown(page, { offset: input.offset, ...(input.query === undefined ? {} : { query: input.query }) });
    return textResult(text, { items: page.items, total: page.total, offset: input.offset, limit: input.limit });
  },
});

const getResult = defineTool({
  name: 'get_result',
  title: 'Get a stored result',
  description: 'Fetch one stored research result by id or slug (from search_library or research): the full Markdown answer with its classification, provider, quality and cost.',
  input: z.strictObject({
    id: resultId.describe('Result id or slug.'),
  }),
  annotations: { title: 'Get a stored result', readOnlyHint: true, openWorldHint: false },
  async run(input, context) {
    const result = await context.services.getResult(input.id, context.caller);
    if (result === undefined) {
      return toolError({ code: 'not_found', message: `No stored result has the id or slug "${input.id}".`, retryable: false, fields: ['id'] });
    }
    return textResult(renderResultMarkdown(result, { heading: true }), { ...result });
  },
});

const feedback = defineTool({
  name: 'feedback',
  title: 'Rate a result',
  description: 'Rate a stored research result from 1 (useless) to 5 (excellent), optionally with a comment. Ratings steer which providers Fortitude prefers.',
  input: z.strictObject({
    result_id: resultId.describe('Id of the result being rated.'),
    rating: z.number().int().min(1).max(5).describe('1 = useless, 3 = usable with fixes, 5 = excellent.'),
    comment: z.string().trim().max(4_000).optional().describe('What was right or wrong with the answer.'),
  }),
  annotations: { title: 'Rate a result', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(input, context) {
    const submitted = await context.services.submitFeedback({
      resultId: input.result_id,
      rating: input.rating,
      ...(input.comment === undefined || input.comment === '' ? {} : { comment: input.comment }),
      ...(context.user === undefined ? {} : { user: context.user }),
      caller: context.caller,
    });
    const text = `Feedback \`${submitted.id}\` recorded: ${input.rating}/5 for result \`${submitted.resultId}\` (${resultUri(submitted.resultId)}).\n`;
    return textResult(text, { id: submitted.id, resultId: submitted.resultId, rating: input.rating });
  },
});

const providerStatus = defineTool({
  name: 'provider_status',
  title: 'Provider status',
  description: 'Health, circuit-breaker state, latency and limits of every configured LLM provider, and which ones are simulated.',
  input: z.strictObject({}),
  annotations: { title: 'Provider status', readOnlyHint: true, openWorldHint: false },
  async run(_input, context) {
    const providers = await context.services.providerStatus();
    return textResult(renderJsonMarkdown('Provider status:', providers), { providers });
  },
});

const cacheStats = defineTool({
  name: 'cache_stats',
  title: 'Cache statistics',
  description: 'Hit and miss counts, hit rate and size of each cache level (memory, Redis, disk, semantic).',
  input: z.strictObject({}),
  annotations: { title: 'Cache statistics', readOnlyHint: true, openWorldHint: false },
  async run(_input, context) {
    const stats = await context.services.cacheStats();
    const structured = stats !== null && typeof stats === 'object' && !Array.isArray(stats) ? { ...stats } : { stats };
    return textResult(renderJsonMarkdown('Cache statistics:', stats), structured);
  },
});

/** In listing order. */
export const MCP_TOOLS: readonly McpTool[] = [research, classify, searchLibrary, getResult, feedback, providerStatus, cacheStats];
