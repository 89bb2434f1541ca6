import type { Classification, ResearchRequest, ResearchResult, ResearchType } from '../../core/research.js';

/**
 * The one port the MCP interface depends on. The composition root implements it over the
 * pipeline and storage; tests use an in-memory double. Its method names and shapes are a subset
 * of the CLI's `ResearchServices`, so an object implementing that also satisfies this.
 *
 * Methods throw `FortitudeError` (core/errors.ts) for expected failures; the MCP server turns
 * them into tool errors (`isError: true`). Anything else becomes a generic internal tool error
 * and is logged, never shown.
 */

/** One stored result as listed (no answer text). */
export interface LibrarySummary {
  id: string;
  /** Unix epoch milliseconds. */
  createdAt: number;
  query: string;
  researchType: ResearchType;
  provider: string;
  model: string;
  /** Composite quality 0–1, null when the result was not scored. */
  qualityComposite: number | null;
  slug: string | null;
  /** Search relevance, when the page comes from a search. */
  score?: number;
}

export interface LibraryPage {
  items: LibrarySummary[];
  /** All matches, not just this page. */
  total: number;
}

export interface ResearchCallOptions {
  /** Aborted when the MCP client cancels the call or disconnects. */
  signal?: AbortSignal;
  /** Called as the pipeline enters each stage (`classify`, `cache`, `provider`, `evaluate`, `store`). */
  onStage?: (stage: string) => void;
}

export interface McpServices {
  /** Runs the research pipeline (classify → cache → provider → evaluate → store). */
  research(request: ResearchRequest, options?: ResearchCallOptions): Promise<ResearchResult>;
  /** Classifies a query without asking any provider. */
  classify(query: string, type?: ResearchType): Classification | Promise<Classification>;
  /** A stored result by id or slug; undefined when there is none. */
  getResult(idOrSlug: string): Promise<ResearchResult | undefined>;
  /** Full-text search of the reference library. `limit` 1–100. */
  searchResults(options: { q: string; type?: ResearchType; limit: number; offset: number }): Promise<LibraryPage>;
  /** Newest first. Backs the `fortitude://library` resources and `search_library` without a query. */
  listResults(options: { type?: ResearchType; limit: number; offset: number }): Promise<LibraryPage>;
  /** Records a rating (1–5) of a stored result; throws `not_found` when the result does not exist. */
  submitFeedback(input: { resultId: string; rating: number; comment?: string; user?: string }): Promise<{ id: string }>;
  /** JSON-serialisable status of every configured provider. */
  providerStatus(): Promise<unknown>;
  /** JSON-serialisable cache statistics. */
  cacheStats(): Promise<unknown>;
}

/** Who is calling over HTTP, as decided by `McpHttpOptions.authenticate`. */
export interface McpCaller {
  /** Key or user name; recorded with research and feedback. */
  user: string;
  scopes?: readonly string[];
}

/** The slice of a pino logger the MCP interface uses. Must write to stderr under stdio. */
export interface McpLogger {
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const SILENT_MCP_LOGGER: McpLogger = {
  warn: () => undefined,
  error: () => undefined,
};
